"""REVIEW_STEERING_VOTE_REQUIRED off: the participating organisations decide alone. Nobody is
asked to vote, no vote is taken or offered, the deadline closes nothing, and a round keeps
the rule it opened under."""

import pytest
from django.core import mail

from isf_portal.domain import DomainError
from notifications.models import Notification, NotificationKind
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import ReviewRound, RoundOutcome, VoteChoice
from sharing_requests.rounds.reads import awaiting_decision
from tests.workflow.conftest import current_round, fresh, url


@pytest.fixture
def no_vote(settings):
    settings.REVIEW_RULE = {**settings.REVIEW_RULE, "steering_vote_required": False}


@pytest.fixture
def submitted(wf, no_vote, complete_proposal, member_a, approver_a, approver_b, steering_member):
    wf.submit(complete_proposal, by=member_a)
    return fresh(complete_proposal)


def test_the_round_records_that_it_needs_no_vote(submitted):
    assert current_round(submitted).rule["steering_vote_required"] is False


def test_a_round_approves_without_any_vote(
    wf, submitted, org_a, org_b, approver_a, approver_b, approved_signals
):
    wf.decide(submitted, org_a, by=approver_a)
    assert fresh(submitted).status == ProposalStatus.IN_REVIEW
    wf.decide(submitted, org_b, by=approver_b)

    rnd = current_round(submitted)
    assert rnd.outcome == RoundOutcome.APPROVED and not rnd.is_open
    assert rnd.steering_outcome == "" and not rnd.votes.exists()
    assert fresh(submitted).status == ProposalStatus.APPROVED
    assert approved_signals == [(submitted.pk, 1, True)]


def test_changes_requested_still_go_back(wf, submitted, org_a, org_b, approver_a, approver_b):
    wf.decide(submitted, org_a, by=approver_a)
    wf.decide(submitted, org_b, by=approver_b, status="changes_requested")
    assert fresh(submitted).status == ProposalStatus.CHANGES_REQUESTED


def test_no_vote_notices_are_sent(submitted, approver_a, approver_b, steering_member):
    asked = Notification.objects.filter(kind=NotificationKind.REVIEW_REQUESTED)
    assert sorted(n.user.email for n in asked) == sorted([approver_a.email, approver_b.email])
    assert not any("Steering group vote needed" in m.subject for m in mail.outbox)
    assert steering_member.email not in {m.to[0] for m in mail.outbox}


def test_a_vote_is_refused(wf, submitted, steering_member, client_for):
    with pytest.raises(DomainError, match="no steering group vote"):
        wf.vote(submitted, by=steering_member, vote=VoteChoice.APPROVE)

    response = client_for(steering_member).post(
        url("vote", submitted), {"vote-vote": VoteChoice.APPROVE, "vote-comment": ""}
    )
    assert response.status_code == 400
    assert "This review has no steering group vote." in response.content.decode()
    assert not current_round(submitted).votes.exists()


def test_the_review_page_offers_no_vote_and_shows_none(submitted, steering_member, client_for):
    page = client_for(steering_member).get(url("review", submitted)).content.decode()
    assert "Your steering group vote" not in page
    assert "Record my vote" not in page
    assert "votes cast" not in page and "Voting" not in page
    assert "The proposal is approved when every organisation approves." in page
    assert "at least 3 have" not in page


def test_nothing_waits_for_a_steering_member(submitted, steering_member, client_for):
    assert awaiting_decision(user=steering_member) == ([], [])
    home = client_for(steering_member).get("/").content.decode()
    assert "Your steering group vote" not in home


def test_the_steering_list_has_no_vote_column(submitted, steering_member, client_for):
    page = client_for(steering_member).get(url("steering-reviews")).content.decode()
    assert submitted.reference in page
    assert "Steering votes" not in page


def test_the_deadline_closes_nothing(wf, submitted):
    rnd = current_round(submitted)
    assert wf.daily(today=rnd.deadline)["closed"] == 0
    rnd.refresh_from_db()
    assert rnd.is_open and rnd.steering_outcome == ""


def test_withdrawing_tells_no_steering_member(wf, submitted, member_a, steering_member):
    wf.withdraw(submitted, by=member_a)
    told = Notification.objects.filter(kind=NotificationKind.WITHDRAWN)
    assert told.exists() and not told.filter(user=steering_member).exists()


def test_a_round_keeps_the_rule_it_opened_under(
    wf, complete_proposal, member_a, approver_a, approver_b, steering_member, client_for, settings
):
    wf.submit(complete_proposal, by=member_a)
    settings.REVIEW_RULE = {**settings.REVIEW_RULE, "steering_vote_required": False}

    page = client_for(steering_member).get(url("review", complete_proposal)).content.decode()
    assert "Your steering group vote" in page
    assert [r.pk for r in awaiting_decision(user=steering_member)[1]] == [
        current_round(complete_proposal).pk
    ]
    # So does a round recorded before the setting existed (its rule has no such key).
    rnd = current_round(complete_proposal)
    legacy = {k: v for k, v in rnd.rule.items() if k != "steering_vote_required"}
    ReviewRound.objects.filter(pk=rnd.pk).update(rule=legacy)
    assert [r.pk for r in awaiting_decision(user=steering_member)[1]] == [rnd.pk]
    wf.vote(complete_proposal, by=steering_member, vote=VoteChoice.APPROVE)
    assert current_round(complete_proposal).steering_outcome == VoteChoice.APPROVE
