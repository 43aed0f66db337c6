"""Organisations decide, the steering group votes, and the round's rule closes it."""

import re

import pytest
from django.core import mail

from isf_portal.domain import DomainError
from notifications.models import Notification, NotificationKind
from organisations.models import Role
from organisations.services import membership_set_roles
from sharing_requests import services
from sharing_requests.choices import ProposalStatus, Section
from sharing_requests.models import (
    DecisionStatus,
    ProposalEvent,
    RoundOutcome,
    VoteChoice,
)
from sharing_requests.rounds import rounds
from tests.factories import SteeringGroupMemberFactory, member_of, membership
from tests.workflow.conftest import LEAD_IG, current_round, fresh, url

APPROVED, CHANGES, DECLINED = (
    DecisionStatus.APPROVED,
    DecisionStatus.CHANGES_REQUESTED,
    DecisionStatus.DECLINED,
)


# --- One decision ---------------------------------------------------------------------------
def test_approving_records_the_decision_and_tells_the_lead_organisation(
    wf, in_review, org_b, approver_b, member_a
):
    mail.outbox.clear()
    wf.decide(in_review, org_b, by=approver_b, comment="Fine by us")

    decision = wf.decision(in_review, org_b)
    assert decision.status == APPROVED
    assert decision.comment == "Fine by us"
    assert decision.decided_by == approver_b and decision.on_behalf_of is None
    assert decision.decided_at is not None
    assert decision.history.first().history_change_reason == "isf.review.approved"
    assert decision.history.first().history_user == approver_b
    event = ProposalEvent.objects.filter(proposal=in_review, kind="decision").get()
    assert event.actor == approver_b and event.organisation == org_b
    # Ardwick (the lead) has not decided: the round waits.
    assert fresh(in_review).status == ProposalStatus.IN_REVIEW
    assert current_round(in_review).is_open

    told = Notification.objects.get(user=member_a, kind=NotificationKind.DECISION_MADE)
    assert "BPNT approved" in told.title
    assert [(m.to, m.cc) for m in mail.outbox] == [([member_a.email], [LEAD_IG])]
    assert "Fine by us" in mail.outbox[0].body


@pytest.mark.parametrize("status", [CHANGES, DECLINED])
def test_requesting_changes_or_declining_needs_a_reason(wf, in_review, org_b, approver_b, status):
    with pytest.raises(DomainError, match="Give the reason"):
        wf.decide(in_review, org_b, by=approver_b, status=status, comment="   ")

    assert wf.decision(in_review, org_b).status == DecisionStatus.PENDING


def test_an_unknown_decision_is_refused(wf, in_review, org_b, approver_b):
    with pytest.raises(DomainError, match="Choose approve, request changes or decline"):
        wf.decide(in_review, org_b, by=approver_b, status="pending")
    assert wf.decision(in_review, org_b).decided_by is None


def test_changes_requested_are_pinned_to_known_sections(wf, in_review, org_b, approver_b):
    wf.decide(
        in_review,
        org_b,
        by=approver_b,
        status=CHANGES,
        comment="Say how long you keep it",
        sections=[Section.NEEDS, Section.EXIT, "not-a-section"],
    )
    assert wf.decision(in_review, org_b).sections == [Section.NEEDS, Section.EXIT]


# --- The rule -------------------------------------------------------------------------------
def test_a_decline_ends_the_round_at_once_while_others_still_wait(
    wf, in_review, org_a, org_b, approver_a, approver_b, member_a, approved_signals
):
    wf.decide(in_review, org_b, by=approver_b, status=DECLINED, comment="No lawful basis")

    rnd = current_round(in_review)
    assert not rnd.is_open and rnd.outcome == RoundOutcome.DECLINED
    assert fresh(in_review).status == ProposalStatus.DECLINED
    assert wf.decision(in_review, org_a).status == DecisionStatus.PENDING
    outcome = Notification.objects.get(user=member_a, kind=NotificationKind.OUTCOME)
    assert "declined" in outcome.title
    assert approved_signals == []
    with pytest.raises(DomainError, match="has closed"):
        wf.decide(in_review, org_a, by=approver_a)


def test_the_round_waits_for_every_organisation(
    wf, in_review, org_a, org_b, approver_a, approver_b, approved_signals
):
    wf.decide(in_review, org_b, by=approver_b)
    assert fresh(in_review).status == ProposalStatus.IN_REVIEW

    wf.decide(in_review, org_a, by=approver_a)

    # No steering group sits in this test: the organisations decide alone.
    assert fresh(in_review).status == ProposalStatus.APPROVED
    assert current_round(in_review).outcome == RoundOutcome.APPROVED
    assert approved_signals == [(in_review.pk, 1, True)]


def test_changes_requested_wait_for_everyone_then_all_reasons_go_back_together(
    wf, in_review, org_a, org_b, approver_a, approver_b, member_a, client_for
):
    wf.decide(
        in_review,
        org_b,
        by=approver_b,
        status=CHANGES,
        comment="Which data items does the trust need?",
        sections=[Section.NEEDS],
    )
    assert fresh(in_review).status == ProposalStatus.IN_REVIEW
    mail.outbox.clear()

    wf.decide(
        in_review,
        org_a,
        by=approver_a,
        status=CHANGES,
        comment="Add the retention period",
        sections=[Section.EXIT],
    )

    p = fresh(in_review)
    assert p.status == ProposalStatus.CHANGES_REQUESTED and p.is_editable
    assert current_round(p).outcome == RoundOutcome.CHANGES_REQUESTED
    back = Notification.objects.get(user=member_a, kind=NotificationKind.CHANGES_REQUESTED)
    assert back.url == url("detail", p)
    outcome_mail = next(m for m in mail.outbox if m.subject.endswith(": changes requested"))
    for reason in ("Which data items does the trust need?", "Add the retention period"):
        assert reason in outcome_mail.body
        assert reason in back.body

    page = client_for(member_a).get(url("detail", p)).content.decode()
    assert "Which data items does the trust need?" in page
    assert "Add the retention period" in page
    flagged = set(re.findall(r'id="task-(\w+)-status">\s*<strong[^>]*>Changes requested', page))
    assert flagged == {"needs", "exit"}  # shown against the sections they concern

    # Editable again by the lead organisation.
    services.proposal_update(
        proposal=p,
        section=Section.NEEDS,
        data={"data_subjects": "Adults over 65 receiving care at home"},
        by=member_a,
        revision=None,
    )
    assert fresh(p).data_subjects == "Adults over 65 receiving care at home"


def test_an_approval_does_not_outweigh_a_change_request(
    wf, in_review, org_a, org_b, approver_a, approver_b
):
    wf.decide(in_review, org_a, by=approver_a)
    wf.decide(in_review, org_b, by=approver_b, status=CHANGES)
    assert fresh(in_review).status == ProposalStatus.CHANGES_REQUESTED


def test_everyone_approving_with_the_steering_group_approves_and_fires_the_hook_once(
    wf,
    complete_proposal,
    org_a,
    org_b,
    member_a,
    approver_a,
    approver_b,
    steering_member,
    approved_signals,
):
    wf.submit(complete_proposal, by=member_a)
    wf.decide(complete_proposal, org_a, by=approver_a)
    wf.decide(complete_proposal, org_b, by=approver_b)
    # Every organisation approved; the steering group has not voted yet.
    assert fresh(complete_proposal).status == ProposalStatus.IN_REVIEW
    assert approved_signals == []
    mail.outbox.clear()

    wf.vote(complete_proposal, by=steering_member)

    rnd = current_round(complete_proposal)
    assert rnd.steering_outcome == VoteChoice.APPROVE
    assert rnd.outcome == RoundOutcome.APPROVED
    assert fresh(complete_proposal).status == ProposalStatus.APPROVED
    # Exactly once, and inside the approving transaction.
    assert approved_signals == [(complete_proposal.pk, 1, True)]
    assert (
        complete_proposal.history.filter(history_change_reason="isf.proposal.approved").count() == 1
    )
    outcome = Notification.objects.get(user=member_a, kind=NotificationKind.OUTCOME)
    assert "approved" in outcome.title
    assert any("approved" in m.subject and m.to == [member_a.email] for m in mail.outbox)

    # Nothing more happens however often it is looked at again.
    with pytest.raises(DomainError):
        wf.vote(complete_proposal, by=steering_member)
    assert approved_signals == [(complete_proposal.pk, 1, True)]


def test_the_steering_group_not_approving_declines_even_when_every_organisation_approves(
    wf,
    complete_proposal,
    org_a,
    org_b,
    member_a,
    approver_a,
    approver_b,
    steering_member,
    approved_signals,
):
    wf.submit(complete_proposal, by=member_a)
    wf.vote(complete_proposal, by=steering_member, vote=VoteChoice.REJECT)
    assert current_round(complete_proposal).steering_outcome == VoteChoice.REJECT
    assert fresh(complete_proposal).status == ProposalStatus.IN_REVIEW  # organisations to go

    wf.decide(complete_proposal, org_a, by=approver_a)
    wf.decide(complete_proposal, org_b, by=approver_b)

    assert current_round(complete_proposal).outcome == RoundOutcome.DECLINED
    assert fresh(complete_proposal).status == ProposalStatus.DECLINED
    assert approved_signals == []


def test_with_decline_not_ending_the_round_it_waits_for_everyone(
    wf, complete_proposal, org_a, org_b, member_a, approver_a, approver_b, settings
):
    settings.REVIEW_RULE = {**settings.REVIEW_RULE, "decline_ends_round": False}
    wf.submit(complete_proposal, by=member_a)
    assert current_round(complete_proposal).rule["decline_ends_round"] is False

    wf.decide(complete_proposal, org_b, by=approver_b, status=DECLINED)
    assert fresh(complete_proposal).status == ProposalStatus.IN_REVIEW

    wf.decide(complete_proposal, org_a, by=approver_a)
    assert fresh(complete_proposal).status == ProposalStatus.DECLINED


def test_the_rule_is_shown_on_the_review_page(in_review, approver_b, client_for):
    page = client_for(approver_b).get(url("review", in_review)).content.decode()
    assert "A decline by any organisation ends the review at once." in page
    assert "at least 3 have" in page


# --- Illegal moves --------------------------------------------------------------------------
def test_deciding_twice_for_an_organisation_is_refused(wf, in_review, org_b, approver_b, member_b):
    wf.decide(in_review, org_b, by=approver_b, status=CHANGES, comment="First")
    with pytest.raises(DomainError, match="has already decided in this round"):
        wf.decide(in_review, org_b, by=approver_b)
    decision = wf.decision(in_review, org_b)
    assert decision.status == CHANGES and decision.comment == "First"


def test_deciding_on_a_closed_round_is_refused(wf, in_review, org_a, org_b, approver_a, approver_b):
    wf.decide(in_review, org_b, by=approver_b, status=DECLINED)
    with pytest.raises(DomainError, match="This review round has closed"):
        wf.decide(in_review, org_a, by=approver_a)
    assert wf.decision(in_review, org_a).status == DecisionStatus.PENDING


@pytest.mark.parametrize("who", ["approver_a", "member_b", "outsider", "steering_member"])
def test_deciding_for_an_organisation_you_do_not_represent_is_refused(
    wf, in_review, org_b, who, request
):
    person = request.getfixturevalue(who)
    with pytest.raises(DomainError, match="You cannot decide for Bradford Park NHS Trust"):
        wf.decide(in_review, org_b, by=person)
    assert wf.decision(in_review, org_b).status == DecisionStatus.PENDING


def test_the_submitter_cannot_decide_even_as_an_approver(wf, in_review, org_a, member_a):
    membership_set_roles(
        membership=membership(member_a, org_a), roles=[Role.MEMBER, Role.APPROVER], by=member_a
    )
    with pytest.raises(DomainError, match="You submitted this proposal"):
        wf.decide(in_review, org_a, by=member_a)
    assert wf.decision(in_review, org_a).status == DecisionStatus.PENDING


def test_the_submitter_cannot_vote_and_does_not_count_as_a_voter(
    wf, complete_proposal, member_a, steering_member, approver_a, approver_b
):
    SteeringGroupMemberFactory(user=member_a)
    wf.submit(complete_proposal, by=member_a)

    with pytest.raises(DomainError, match="You submitted this proposal"):
        wf.vote(complete_proposal, by=member_a)
    assert not current_round(complete_proposal).votes.exists()

    # The one other member voting is everyone who may vote.
    wf.vote(complete_proposal, by=steering_member)
    assert current_round(complete_proposal).steering_outcome == VoteChoice.APPROVE


def test_voting_twice_is_refused(
    wf, complete_proposal, member_a, steering_member, chair, approver_b
):
    wf.submit(complete_proposal, by=member_a)
    wf.vote(complete_proposal, by=steering_member)
    with pytest.raises(DomainError, match="You have already voted in this round"):
        wf.vote(complete_proposal, by=steering_member, vote=VoteChoice.REJECT)
    assert [v.vote for v in current_round(complete_proposal).votes.all()] == [VoteChoice.APPROVE]


def test_only_steering_group_members_vote(wf, in_review, approver_b):
    with pytest.raises(DomainError, match="Only steering-group members vote"):
        wf.vote(in_review, by=approver_b)


def test_voting_against_needs_a_reason(wf, complete_proposal, member_a, steering_member, chair):
    wf.submit(complete_proposal, by=member_a)
    with pytest.raises(DomainError, match="Give the reason for your vote"):
        wf.run(
            rounds.vote_record,
            review=current_round(complete_proposal),
            by=steering_member,
            vote=VoteChoice.REJECT,
            comment=" ",
        )


# --- Several capacities ---------------------------------------------------------------------
def test_a_person_with_several_capacities_acts_in_each_separately_and_each_act_is_recorded(
    wf, complete_proposal, org_a, org_b, member_a, chair, client_for
):
    # Approver for both organisations and a steering-group member.
    both = member_of(org_a, Role.APPROVER, email="both@gm.example", full_name="Bo Th")
    member_of(org_b, Role.APPROVER, user=both)
    SteeringGroupMemberFactory(user=both)
    wf.submit(complete_proposal, by=member_a)

    page = client_for(both).get(url("review", complete_proposal)).content.decode()
    assert "Decide for Ardwick Borough Council" in page
    assert "Decide for Bradford Park NHS Trust" in page
    assert "Your steering group vote" in page

    wf.decide(complete_proposal, org_b, by=both, status=CHANGES, comment="For the trust")
    # One decision does not stand for the other organisation.
    assert wf.decision(complete_proposal, org_a).status == DecisionStatus.PENDING
    wf.vote(complete_proposal, by=both)
    wf.decide(complete_proposal, org_a, by=both, comment="For Ardwick")

    rnd = current_round(complete_proposal)
    by_org = {d.organisation: d for d in rnd.decisions.all()}
    assert (by_org[org_a].status, by_org[org_a].decided_by) == (APPROVED, both)
    assert (by_org[org_b].status, by_org[org_b].decided_by) == (CHANGES, both)
    assert [(v.member, v.vote) for v in rnd.votes.all()] == [(both, VoteChoice.APPROVE)]
    events = ProposalEvent.objects.filter(proposal=complete_proposal, actor=both)
    assert sorted(e.kind for e in events) == ["decision", "decision", "vote"]
    assert fresh(complete_proposal).status == ProposalStatus.CHANGES_REQUESTED
