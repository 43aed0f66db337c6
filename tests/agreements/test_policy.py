"""The agreement permission table, walked persona by persona over every action, and its
grants: made from the table and back-filled after a row changes."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from agreements import permissions
from agreements.generation.services import signatories_of
from agreements.lifecycle import tell_parties
from agreements.models import AgreementGroupObjectPermission
from agreements.permissions import Action
from notifications.models import Notification, NotificationKind
from organisations.models import Role, SignatoryCapacity
from tests.agreements.register_builders import make_agreement
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

# An active agreement between org_a (the lead) and org_b. Columns: VIEW (its page and the
# signed PDF), DOCUMENTS (the draft PDF: signatories, approvers, governance officers, the
# lead's members), SIGN, MANAGE, CONSENT (agree for a party to end or vary it), OVERSEE (told
# of its sealing, reviews and end; sees its downloads), and RECORD_EXTERNAL at the persona's
# own organisation.
EXPECTED = {
    "member_a": (True, True, False, False, False, False, False),
    "readonly_a": (True, False, False, False, False, False, False),
    "admin_a": (True, True, False, False, False, False, False),  # a member of the lead too
    "approver_b": (True, True, False, True, False, False, False),
    "signatory_b": (True, True, True, False, True, False, False),
    "governance_b": (True, True, False, True, True, True, True),
    "outsider": (False, False, False, False, False, False, False),
    "steering_member": (True, True, False, False, False, False, False),
}


@pytest.fixture
def governance_b(org_b):
    return member_of(org_b, Role.GOVERNANCE_OFFICER, email="gwen@bpnt.example")


@pytest.fixture
def agreement(org_a, org_b):
    agreement = make_agreement(org_a, org_b)
    agreement.parties.filter(organisation=org_a).update(is_lead=True)
    return agreement


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_the_tables_answer(persona, request, agreement):
    user = request.getfixturevalue(persona)
    own = user.memberships.first() or user.steering_seat
    answers = (
        permissions.may(user, Action.VIEW, agreement),
        permissions.may(user, Action.DOCUMENTS, agreement),
        permissions.may(user, Action.SIGN, agreement),
        permissions.may(user, Action.MANAGE, agreement),
        permissions.may(user, Action.CONSENT, agreement),
        permissions.may(user, Action.OVERSEE, agreement),
        permissions.may_at(user, Action.RECORD_EXTERNAL, own.organisation),
    )
    assert answers == EXPECTED[persona]
    # The audiences told of the agreement are the holders of the same rows.
    for action, allowed in zip(
        (Action.SIGN, Action.CONSENT, Action.OVERSEE),
        (answers[2], answers[4], answers[5]),
        strict=True,
    ):
        assert permissions.holders(action, agreement, user=user).exists() == allowed
    assert bool(permissions.visible_ids(user=user, agreement_ids=[agreement.pk])) == answers[0]


def test_an_inactive_party_manages_nothing(agreement, org_b, governance_b):
    org_b.is_active = False
    org_b.save(update_fields=["is_active"])
    assert not permissions.may(governance_b, Action.MANAGE, agreement)
    assert not permissions.may_at(governance_b, Action.RECORD_EXTERNAL, org_b)


def _grants(agreement):
    return set(
        AgreementGroupObjectPermission.objects.filter(content_object=agreement).values_list(
            "group__name", "permission__codename"
        )
    )


def test_grants_follow_the_table(agreement, org_a, org_b):
    assert _grants(agreement) == {
        (f"org-{org_a.pk}-all", "view_agreement"),
        (f"org-{org_b.pk}-all", "view_agreement"),
        ("steering-group", "view_agreement"),
    }


def test_backfill_restores_missing_grants_and_is_safe_to_repeat(agreement):
    before = _grants(agreement)
    AgreementGroupObjectPermission.objects.filter(content_object=agreement).delete()
    assert permissions.grants_backfill() == len(before)
    assert _grants(agreement) == before
    assert permissions.grants_backfill() == 0
    assert _grants(agreement) == before


def test_the_migrations_backfill_works_on_historical_models(agreement):
    """A data migration gets models as its migrations left them, without guardian's managers."""
    before = _grants(agreement)
    AgreementGroupObjectPermission.objects.filter(content_object=agreement).delete()
    historical = MigrationLoader(connection).project_state().apps
    permissions.grants_backfill_migration(historical, None)
    assert _grants(agreement) == before


def _told_by_tell_parties(agreement) -> set[int]:
    Notification.objects.all().delete()
    tell_parties(
        agreement,
        kind=NotificationKind.AGREEMENT,
        title="Update",
        template="agreement_update",
        context={"message": "Update", "reason": ""},
    )
    return set(Notification.objects.values_list("user_id", flat=True))


def test_who_is_told_of_an_agreement_follows_the_oversee_row(
    monkeypatch, agreement, approver_b, governance_b
):
    assert _told_by_tell_parties(agreement) == {governance_b.pk}
    rule = permissions.POLICY[Action.OVERSEE]
    monkeypatch.setitem(
        permissions.POLICY,
        Action.OVERSEE,
        type(rule)(**{**rule.__dict__, "roles": rule.roles | {Role.APPROVER}}),
    )
    assert _told_by_tell_parties(agreement) == {governance_b.pk, approver_b.pk}


def test_who_is_asked_to_sign_follows_the_sign_row(
    monkeypatch, agreement, org_b, signatory_b, approver_b
):
    party = agreement.parties.get(organisation=org_b)
    party.required_signatures = [SignatoryCapacity.SIRO]
    party.save(update_fields=["required_signatures"])
    assert signatories_of(agreement, party) == [signatory_b]
    rule = permissions.POLICY[Action.SIGN]
    monkeypatch.setitem(
        permissions.POLICY,
        Action.SIGN,
        type(rule)(**{**rule.__dict__, "roles": rule.roles | {Role.APPROVER}}),
    )
    assert set(signatories_of(agreement, party)) == {signatory_b, approver_b}
