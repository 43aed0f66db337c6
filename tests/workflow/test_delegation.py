"""An approver lets a named colleague who is not an approver decide for a period."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from isf_portal.domain import DomainError
from organisations.models import Delegation, Role
from organisations.services import (
    delegation_create,
    delegation_revoke,
    membership_remove,
    membership_set_roles,
)
from sharing_requests.models import DecisionStatus, ProposalEvent
from sharing_requests.rounds.reads import awaiting_decision
from tests.factories import member_of, membership
from tests.workflow.conftest import url


def delegate(org_b, approver_b, member_b, *, starts=0, days=7) -> Delegation:
    today = timezone.localdate()
    return delegation_create(
        organisation=org_b,
        approver=approver_b,
        delegate=member_b,
        starts_on=today + timedelta(days=starts),
        ends_on=today + timedelta(days=starts + days),
    )


def test_a_delegate_decides_during_the_period_and_the_approver_is_recorded(
    wf, in_review, org_b, approver_b, member_b, client_for
):
    delegation = delegate(org_b, approver_b, member_b)
    assert delegation.history.first().history_change_reason == "isf.delegation.created"
    decisions, _votes = awaiting_decision(user=member_b)
    assert [d.organisation for d in decisions] == [org_b]

    wf.decide(in_review, org_b, by=member_b, status=DecisionStatus.CHANGES_REQUESTED)

    decision = wf.decision(in_review, org_b)
    assert decision.decided_by == member_b
    assert decision.on_behalf_of == approver_b
    event = ProposalEvent.objects.get(proposal=in_review, kind="decision")
    assert "on behalf of Abe Approver" in event.description
    page = client_for(approver_b).get(url("review", in_review)).content.decode()
    assert "Bill Member" in page and "(for Abe Approver)" in page


def test_the_review_page_tells_a_delegate_whom_they_decide_for(
    in_review, org_b, approver_b, member_b, client_for
):
    delegate(org_b, approver_b, member_b)
    page = client_for(member_b).get(url("review", in_review)).content.decode()
    assert "Decide for Bradford Park NHS Trust" in page
    assert "You decide on behalf of Abe Approver" in page


def test_a_delegate_cannot_decide_before_the_period(wf, in_review, org_b, approver_b, member_b):
    delegate(org_b, approver_b, member_b, starts=1)
    with pytest.raises(DomainError, match="You cannot decide for"):
        wf.decide(in_review, org_b, by=member_b)
    assert awaiting_decision(user=member_b) == ([], [])


def test_a_delegate_cannot_decide_after_the_period(wf, in_review, org_b, approver_b, member_b):
    delegate(org_b, approver_b, member_b, days=2)
    with time_machine.travel(timezone.now() + timedelta(days=3)):
        with pytest.raises(DomainError, match="You cannot decide for"):
            wf.decide(in_review, org_b, by=member_b)
        assert awaiting_decision(user=member_b) == ([], [])
    assert wf.decision(in_review, org_b).status == DecisionStatus.PENDING


def test_a_delegate_can_decide_on_the_last_day(wf, in_review, org_b, approver_b, member_b):
    delegate(org_b, approver_b, member_b, days=2)
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        wf.decide(in_review, org_b, by=member_b)
    assert wf.decision(in_review, org_b).on_behalf_of == approver_b


def test_a_delegate_cannot_decide_after_revocation(wf, in_review, org_b, approver_b, member_b):
    delegation = delegate(org_b, approver_b, member_b)
    delegation_revoke(delegation=delegation, by=approver_b)

    with pytest.raises(DomainError, match="You cannot decide for"):
        wf.decide(in_review, org_b, by=member_b)
    with pytest.raises(DomainError, match="already ended"):
        delegation_revoke(delegation=delegation, by=approver_b)


def test_a_delegation_lapses_when_the_approver_is_no_longer_an_approver(
    wf, in_review, org_b, approver_b, member_b, admin_b
):
    delegate(org_b, approver_b, member_b)
    membership_set_roles(membership=membership(approver_b, org_b), roles=[Role.MEMBER], by=admin_b)

    with pytest.raises(DomainError, match="You cannot decide for"):
        wf.decide(in_review, org_b, by=member_b)
    assert awaiting_decision(user=member_b) == ([], [])


def test_a_delegation_lapses_when_the_delegate_leaves_the_organisation(
    wf, in_review, org_b, approver_b, member_b, admin_b
):
    delegate(org_b, approver_b, member_b)
    membership_remove(membership=membership(member_b, org_b), by=admin_b)

    with pytest.raises(DomainError, match="You cannot decide for"):
        wf.decide(in_review, org_b, by=member_b)
    assert awaiting_decision(user=member_b) == ([], [])


def test_delegating_to_an_approver_is_refused(org_b, approver_b):
    other = member_of(org_b, Role.APPROVER, email="other.approver@bpnt.example")
    with pytest.raises(DomainError, match="is an approver already"):
        delegate(org_b, approver_b, other)
    assert not Delegation.objects.exists()


def test_delegating_to_someone_outside_the_organisation_is_refused(org_b, approver_b, outsider):
    with pytest.raises(DomainError, match="Choose a colleague at Bradford Park NHS Trust"):
        delegate(org_b, approver_b, outsider)
    assert not Delegation.objects.exists()


def test_only_an_approver_delegates(org_b, member_b, signatory_b):
    with pytest.raises(DomainError, match="Only an approver"):
        delegate(org_b, member_b, signatory_b)


def test_a_delegation_cannot_start_in_the_past_or_end_before_it_starts(org_b, approver_b, member_b):
    with pytest.raises(DomainError, match="today or in the future"):
        delegate(org_b, approver_b, member_b, starts=-1)
    with pytest.raises(DomainError, match="on or after the start date"):
        delegate(org_b, approver_b, member_b, days=-1)


def test_a_delegate_active_when_the_round_opens_is_asked_to_decide(
    wf, complete_proposal, org_b, member_a, approver_b, member_b
):
    from notifications.models import Notification, NotificationKind

    delegate(org_b, approver_b, member_b)
    wf.submit(complete_proposal, by=member_a)
    assert Notification.objects.filter(
        user=member_b, kind=NotificationKind.REVIEW_REQUESTED
    ).exists()


# --- The delegation pages -------------------------------------------------------------------
def delegations_url(org):
    return reverse("organisations:delegations", args=[org.slug])


def test_an_approver_delegates_and_ends_it_through_the_pages(
    org_b, approver_b, member_b, client_for
):
    client = client_for(approver_b)
    page = client.get(delegations_url(org_b))
    assert page.status_code == 200
    assert "Bill Member" in page.content.decode()  # offered as a delegate
    today = timezone.localdate()
    end = today + timedelta(days=5)
    response = client.post(
        delegations_url(org_b),
        {
            "delegate": member_b.pk,
            "starts_on_0": today.day,
            "starts_on_1": today.month,
            "starts_on_2": today.year,
            "ends_on_0": end.day,
            "ends_on_1": end.month,
            "ends_on_2": end.year,
        },
    )
    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.approver, delegation.delegate, delegation.ends_on) == (
        approver_b,
        member_b,
        end,
    )

    response = client.post(
        reverse("organisations:delegation-revoke", args=[org_b.slug, delegation.pk])
    )
    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None


def test_the_delegation_form_refuses_an_approver_as_delegate(org_b, approver_b, client_for):
    other = member_of(org_b, Role.APPROVER, email="other.approver@bpnt.example")
    today = timezone.localdate()
    response = client_for(approver_b).post(
        delegations_url(org_b),
        {
            "delegate": other.pk,
            "starts_on_0": today.day,
            "starts_on_1": today.month,
            "starts_on_2": today.year,
            "ends_on_0": today.day,
            "ends_on_1": today.month,
            "ends_on_2": today.year,
        },
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    assert not Delegation.objects.exists()


def test_delegation_pages_permissions(client, org_b, approver_b, member_b, outsider, client_for):
    delegation = delegate(org_b, approver_b, member_b)
    revoke = reverse("organisations:delegation-revoke", args=[org_b.slug, delegation.pk])

    anonymous = client.get(delegations_url(org_b))
    assert anonymous.status_code == 302 and "/account/sign-in/" in anonymous["Location"]
    assert client_for(outsider).get(delegations_url(org_b)).status_code == 404
    assert client_for(outsider).post(revoke).status_code == 404
    # A member who is not an approver has no delegations to give.
    assert client_for(member_b).get(delegations_url(org_b)).status_code == 403
    # Nobody else ends an approver's delegation, not even the delegate.
    assert client_for(member_b).post(revoke).status_code == 404
    other = member_of(org_b, Role.APPROVER, email="other.approver@bpnt.example")
    assert client_for(other).post(revoke).status_code == 404
    delegation.refresh_from_db()
    assert delegation.revoked_at is None


def test_a_delegate_cannot_decide_in_the_name_of_the_approver_who_submitted_it(
    wf, org_a, org_b, approver_b, member_b
):
    from organisations.models import Role
    from organisations.services import membership_grant
    from sharing_requests.rounds.access import decision_refusal
    from tests.workflow.conftest import build_proposal, current_round

    membership_grant(user=approver_b, organisation=org_b, roles=[Role.MEMBER, Role.APPROVER])
    proposal = build_proposal(lead=org_b, partners=[org_a], by=approver_b, title="Own proposal")
    wf.submit(proposal, by=approver_b)
    delegate(org_b, approver_b, member_b)
    decision = current_round(proposal).decisions.get(organisation=org_b)
    proposal = decision.round.proposal  # as submitted

    assert decision_refusal(decision=decision, proposal=proposal, by=member_b) == (
        "You cannot decide for Bradford Park NHS Trust."
    )
    assert decision_refusal(decision=decision, proposal=proposal, by=approver_b) != ""


def test_the_home_page_lists_a_delegates_decisions_while_the_delegation_holds(
    wf, in_review, org_b, approver_b, member_b, admin_b, client_for
):
    """Home asks the delegation rule (delegations_in_force) through its cheaper reading,
    delegated_organisations: the same answer in force, revoked, and once the delegate is only
    a read-only member."""
    home = reverse("home")
    given = delegate(org_b, approver_b, member_b)
    [waiting], _ = awaiting_decision(user=member_b)
    assert waiting.organisation_id == org_b.pk
    assert in_review.reference in client_for(member_b).get(home).content.decode()

    membership_set_roles(membership=membership(member_b, org_b), roles=[], by=admin_b)
    assert awaiting_decision(user=member_b) == ([], [])
    assert in_review.reference not in client_for(member_b).get(home).content.decode()

    membership_set_roles(membership=membership(member_b, org_b), roles=[Role.MEMBER], by=admin_b)
    assert awaiting_decision(user=member_b)[0] == [waiting]
    delegation_revoke(delegation=given, by=approver_b)
    assert awaiting_decision(user=member_b) == ([], [])
