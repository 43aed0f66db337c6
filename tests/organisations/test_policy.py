"""The organisations' permission table, walked persona by persona, and the recipe for adding
a role (organisations/permissions.py): put the role in a row and access follows, after the
back-fill for rows kept as grants.

A role new to the code also needs its `Role` member and column (an ordinary migration); here an
existing role stands in for it by joining a row it is not in today."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from agreements import permissions as agreement_permissions
from organisations import permissions
from organisations.models import Role
from organisations.permissions import Action
from sharing_requests import permissions as proposal_permissions
from sharing_requests import services
from tests.agreements.register_builders import make_agreement
from tests.conftest import invite
from tests.factories import member_of

# Columns: VIEW, MANAGE, DELEGATE at org_a, then at org_b.
EXPECTED = {
    "member_a": (True, False, False, False, False, False),
    "readonly_a": (True, False, False, False, False, False),
    "admin_a": (True, True, False, False, False, False),
    "approver_b": (False, False, False, True, False, True),
    "signatory_b": (False, False, False, True, False, False),
    "governance_b": (False, False, False, True, False, False),
    "outsider": (False, False, False, False, False, False),
    "steering_member": (False, False, False, False, False, False),
    "staff_user": (True, True, False, True, True, False),
}


@pytest.fixture
def governance_b(org_b):
    return member_of(org_b, Role.GOVERNANCE_OFFICER, email="gwen@bpnt.example")


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_each_persona_gets_the_tables_answer(persona, request, org_a, org_b):
    user = request.getfixturevalue(persona)
    answers = tuple(
        permissions.may(user, action, organisation)
        for organisation in (org_a, org_b)
        for action in (Action.VIEW, Action.MANAGE, Action.DELEGATE)
    )
    assert answers == EXPECTED[persona]


def _with_role(policy: dict, action, role):
    rule = policy[action]
    return {**policy, action: type(rule)(**{**rule.__dict__, "roles": rule.roles | {role}})}


def test_a_role_added_to_a_row_worked_out_from_memberships_takes_effect_at_once(
    monkeypatch, org_a, org_b, signatory_b, client_for
):
    agreement = make_agreement(org_a, org_b)
    assert not agreement_permissions.may(
        signatory_b, agreement_permissions.Action.MANAGE, agreement
    )
    monkeypatch.setattr(
        agreement_permissions,
        "POLICY",
        _with_role(
            agreement_permissions.POLICY, agreement_permissions.Action.MANAGE, Role.SIGNATORY
        ),
    )
    assert agreement_permissions.may(signatory_b, agreement_permissions.Action.MANAGE, agreement)
    page = client_for(signatory_b).get(reverse("agreements:lifecycle", args=[agreement.reference]))
    assert page.status_code == 200
    assert page.context["can_manage"] is True


def test_a_role_added_to_an_organisation_row_opens_its_pages(
    monkeypatch, org_b, governance_b, client_for
):
    client = client_for(governance_b)
    assert client.get(reverse("organisations:edit", args=[org_b.slug])).status_code == 403
    monkeypatch.setattr(
        permissions,
        "POLICY",
        _with_role(permissions.POLICY, Action.MANAGE, Role.GOVERNANCE_OFFICER),
    )
    assert client.get(reverse("organisations:edit", args=[org_b.slug])).status_code == 200


def test_a_role_added_to_a_granted_row_needs_the_backfill_for_existing_objects(
    monkeypatch, proposal, org_a, org_b, member_a, governance_b
):
    comment = proposal_permissions.Action.COMMENT
    assert not proposal_permissions.may(governance_b, comment, proposal)
    monkeypatch.setattr(
        proposal_permissions,
        "POLICY",
        _with_role(proposal_permissions.POLICY, comment, Role.GOVERNANCE_OFFICER),
    )
    # The existing proposal has no grant for the new role's group until the back-fill runs.
    assert not proposal_permissions.may(governance_b, comment, proposal)
    proposal_permissions.grants_backfill()
    assert proposal_permissions.may(governance_b, comment, proposal)
    # A proposal made after the change gets the grant when its partner is invited.
    newer = services.proposal_create(lead_organisation=org_a, title="Later", by=member_a)
    invite(newer, org_b, by=member_a)
    assert proposal_permissions.may(governance_b, comment, newer)


def test_the_backfill_makes_a_permission_that_post_migrate_has_not_made_yet(
    proposal, member_a, approver_b
):
    """A data migration runs before post_migrate creates the permissions of a codename new in
    its release: the back-fill makes the row itself, named as Django would name it."""
    names = {}
    for codename in ("view_proposal", "comment_proposal"):
        permission = Permission.objects.get(codename=codename, content_type__app_label="requests")
        names[codename] = permission.name
        permission.delete()  # and with it every grant of it
    assert not proposal_permissions.may(member_a, proposal_permissions.Action.COMMENT, proposal)
    proposal_permissions.grants_backfill()
    for codename, name in names.items():
        assert Permission.objects.get(codename=codename).name == name
    assert proposal_permissions.may(member_a, proposal_permissions.Action.COMMENT, proposal)
    assert proposal_permissions.may(approver_b, proposal_permissions.Action.VIEW, proposal)
