"""The proposal permission table, walked persona by persona over every action, and its grants:
made from the table, revoked when a partner leaves, and back-filled after a row changes."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from organisations.models import Role
from sharing_requests import permissions, services
from sharing_requests.models import ProposalGroupObjectPermission
from sharing_requests.permissions import Action
from tests.conftest import fresh
from tests.factories import member_of

PERSONAS = [
    "member_a",
    "readonly_a",
    "admin_a",
    "approver_b",
    "signatory_b",
    "governance_b",
    "outsider",
    "steering_member",
]

# A draft led by org_a with org_b invited. Columns: VIEW, EDIT, COMMENT, DECIDE, VOTE,
# STEERING_LIST, START (at org_a).
DRAFT = {
    "member_a": (True, True, True, False, False, False, True),
    "readonly_a": (True, False, False, False, False, False, False),
    "admin_a": (True, True, True, False, False, False, True),
    "approver_b": (True, False, False, True, False, False, False),
    "signatory_b": (True, False, False, False, False, False, False),
    "governance_b": (True, False, False, False, False, False, False),
    "outsider": (False, False, False, False, False, False, False),
    "steering_member": (False, False, False, False, True, True, False),
}
ACTIONS = [Action.VIEW, Action.EDIT, Action.COMMENT, Action.DECIDE, Action.VOTE]


@pytest.fixture
def governance_b(org_b):
    return member_of(org_b, Role.GOVERNANCE_OFFICER, email="gwen@bpnt.example")


@pytest.fixture
def people(request):
    return {name: request.getfixturevalue(name) for name in PERSONAS}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_the_tables_answer_on_a_draft(persona, people, proposal, org_a):
    user = people[persona]
    expected = DRAFT[persona]
    answers = tuple(permissions.may(user, action, proposal) for action in ACTIONS) + (
        permissions.may(user, Action.STEERING_LIST),
        permissions.may_start(user, org_a),
    )
    assert answers == expected
    listed = permissions.objects_for(user, Action.VIEW).filter(pk=proposal.pk).exists()
    assert listed == expected[0]


def test_the_steering_group_views_from_submission_on(
    complete_proposal, member_a, steering_member, django_capture_on_commit_callbacks
):
    assert not permissions.may(steering_member, Action.VIEW, complete_proposal)
    services.proposal_submit(proposal=fresh(complete_proposal), by=member_a)
    assert permissions.may(steering_member, Action.VIEW, complete_proposal)
    assert permissions.objects_for(steering_member).filter(pk=complete_proposal.pk).exists()


def test_decide_lists_the_proposals_of_the_approvers_parties(proposal, approver_b, signatory_b):
    assert list(permissions.objects_for(approver_b, Action.DECIDE)) == [proposal]
    assert not permissions.objects_for(signatory_b, Action.DECIDE).exists()


def test_comment_organisations_are_the_users_member_parties(rf, proposal, member_a, approver_b):
    request = rf.get("/")
    request.user = member_a
    assert [o.pk for o in permissions.comment_organisations(request, proposal)] == [
        proposal.lead_organisation_id
    ]
    request = rf.get("/")
    request.user = approver_b
    assert permissions.comment_organisations(request, proposal) == []


def test_memberships_are_read_once_per_request(rf, proposal, member_a, django_assert_num_queries):
    request = rf.get("/")
    request.user = member_a
    permissions.may(request, Action.DECIDE, proposal)
    with django_assert_num_queries(1):  # the parties only; the memberships are kept
        permissions.may(request, Action.DECIDE, proposal)


def _grants(proposal):
    return set(
        ProposalGroupObjectPermission.objects.filter(content_object=proposal).values_list(
            "group__name", "permission__codename"
        )
    )


def test_grants_follow_the_table(proposal, org_a, org_b):
    a, b = org_a.pk, org_b.pk
    assert _grants(proposal) == {
        (f"org-{a}-all", "view_proposal"),
        (f"org-{a}-member", "comment_proposal"),
        (f"org-{a}-member", "change_proposal"),
        (f"org-{b}-all", "view_proposal"),
        (f"org-{b}-member", "comment_proposal"),
    }
    permissions.proposal_revoke_party(proposal=proposal, organisation=org_b)
    assert {g for g in _grants(proposal) if g[0].startswith(f"org-{b}-")} == set()


def test_backfill_restores_missing_grants_and_is_safe_to_repeat(proposal):
    before = _grants(proposal)
    ProposalGroupObjectPermission.objects.filter(content_object=proposal).delete()
    assert permissions.grants_backfill() == len(before)
    assert _grants(proposal) == before
    assert permissions.grants_backfill() == 0
    assert _grants(proposal) == before


def test_the_migrations_backfill_works_on_historical_models(proposal):
    """A data migration gets models as its migrations left them, without guardian's managers."""
    before = _grants(proposal)
    ProposalGroupObjectPermission.objects.filter(content_object=proposal).delete()
    historical = MigrationLoader(connection).project_state().apps
    permissions.grants_backfill_migration(historical, None)
    assert _grants(proposal) == before
