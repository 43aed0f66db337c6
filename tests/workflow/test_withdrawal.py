"""The lead organisation withdraws a proposal in review: the round closes and everyone still
waiting to decide or vote is told."""

import pytest
from django.core import mail

from isf_portal.domain import DomainError
from notifications.models import Notification, NotificationKind
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import DecisionStatus, RoundOutcome, VoteChoice
from tests.workflow.conftest import current_round, fresh, url


def test_withdrawing_in_review_closes_the_round_and_tells_everyone_still_waiting(
    wf,
    complete_proposal,
    org_a,
    org_b,
    member_a,
    approver_a,
    approver_b,
    steering_member,
    chair,
    approved_signals,
):
    wf.submit(complete_proposal, by=member_a)
    wf.decide(complete_proposal, org_a, by=approver_a)  # Ardwick has decided
    wf.vote(complete_proposal, by=chair, vote=VoteChoice.APPROVE)  # the chair has voted
    mail.outbox.clear()

    wf.withdraw(complete_proposal, by=member_a, reason="The scheme lost its funding")

    rnd = current_round(complete_proposal)
    assert not rnd.is_open and rnd.outcome == RoundOutcome.WITHDRAWN
    assert rnd.history.first().history_change_reason == "isf.review.closed_withdrawn"
    assert fresh(complete_proposal).status == ProposalStatus.WITHDRAWN
    told = Notification.objects.filter(kind=NotificationKind.WITHDRAWN)
    # Still waiting: the trust's approver and the steering member who had not voted.
    assert sorted(n.user.email for n in told) == sorted([approver_b.email, steering_member.email])
    assert {n.url for n in told} == {url("detail", complete_proposal)}
    withdrawn_mail = [m for m in mail.outbox if "has been withdrawn" in m.subject]
    assert sorted(m.to[0] for m in withdrawn_mail) == sorted(
        [approver_b.email, steering_member.email]
    )
    assert all("The scheme lost its funding" in m.body for m in withdrawn_mail)
    assert approved_signals == []

    with pytest.raises(DomainError, match="This review round has closed"):
        wf.decide(complete_proposal, org_b, by=approver_b)
    with pytest.raises(DomainError, match="vote on this round has closed"):
        wf.vote(complete_proposal, by=steering_member)
    assert wf.decision(complete_proposal, org_b).status == DecisionStatus.PENDING


def test_withdrawing_through_the_page(wf, in_review, member_a, approver_b, client_for):
    response = client_for(member_a).post(url("withdraw", in_review), {"reason": "Duplicate"})

    assert response.status_code == 302
    assert fresh(in_review).status == ProposalStatus.WITHDRAWN
    assert current_round(in_review).outcome == RoundOutcome.WITHDRAWN
    page = client_for(approver_b).get(url("review", in_review)).content.decode()
    assert "Decide for" not in page


def test_only_the_lead_organisation_withdraws(wf, in_review, approver_b, client_for):
    with pytest.raises(DomainError, match="Only members of the lead organisation"):
        wf.withdraw(in_review, by=approver_b)
    assert current_round(in_review).is_open
    assert client_for(approver_b).post(url("withdraw", in_review), {"reason": "x"}).status_code in (
        403,
        404,
    )
    assert current_round(in_review).is_open


def test_a_decided_proposal_cannot_be_withdrawn(wf, in_review, org_b, member_a, approver_b):
    wf.decide(in_review, org_b, by=approver_b, status=DecisionStatus.DECLINED)
    with pytest.raises(DomainError, match="cannot be withdrawn"):
        wf.withdraw(in_review, by=member_a)
    assert current_round(in_review).outcome == RoundOutcome.DECLINED


def test_whoever_withdraws_is_not_told_they_withdrew_it(
    wf, complete_proposal, org_a, member_a, approver_b
):
    from organisations.models import Role
    from organisations.services import membership_set_roles
    from tests.factories import member_of, membership

    # The submitter is also an approver of the lead; a colleague (approver too) withdraws.
    membership_set_roles(
        membership=membership(member_a, org_a), roles=[Role.MEMBER, Role.APPROVER], by=member_a
    )
    colleague = member_of(org_a, Role.MEMBER, Role.APPROVER, email="colleague@ardwick.example")
    wf.submit(complete_proposal, by=member_a)

    wf.withdraw(complete_proposal, by=colleague)

    told = Notification.objects.filter(kind=NotificationKind.WITHDRAWN)
    assert sorted(n.user.email for n in told) == [approver_b.email]
