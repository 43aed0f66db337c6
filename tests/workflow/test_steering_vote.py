"""The steering group's vote: closes when every eligible member has voted, or at the deadline
once at least 3 have; a majority of votes cast carries it; the chair breaks a tie; a tie
without the chair does not carry."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from sharing_requests.choices import ProposalStatus
from sharing_requests.models import RoundOutcome, VoteChoice
from tests.workflow.conftest import current_round, fresh

APPROVE, REJECT = VoteChoice.APPROVE, VoteChoice.REJECT
LONDON = ZoneInfo("Europe/London")
# Opened on Monday 1 March 2027; 15 working days later (no bank holiday between) is Monday
# 22 March 2027, the deadline.
OPENED = datetime(2027, 3, 1, 9, 0, tzinfo=LONDON)
BEFORE_DEADLINE = datetime(2027, 3, 19, 7, 0, tzinfo=LONDON)
DEADLINE = datetime(2027, 3, 22, 7, 0, tzinfo=LONDON)


@pytest.fixture
def opened(wf, complete_proposal, member_a, approver_a, approver_b):
    """Submit at OPENED with whatever steering group the test made first."""

    def open_round():
        with time_machine.travel(OPENED, tick=False):
            wf.submit(complete_proposal, by=member_a)
        rnd = current_round(complete_proposal)
        assert rnd.deadline.isoformat() == "2027-03-22"
        return rnd

    return open_round


def cast(wf, proposal, votes):
    for person, choice in votes:
        with time_machine.travel(OPENED.replace(hour=12), tick=False):
            wf.vote(proposal, by=person, vote=choice)


def test_the_vote_closes_when_every_eligible_member_has_voted(
    wf, opened, complete_proposal, seats, chair
):
    a, b = seats(2)
    opened()
    cast(wf, complete_proposal, [(a, APPROVE), (b, REJECT)])
    assert current_round(complete_proposal).steering_outcome == ""

    cast(wf, complete_proposal, [(chair, APPROVE)])

    assert current_round(complete_proposal).steering_outcome == APPROVE


def test_before_the_deadline_three_votes_of_five_do_not_close_it(
    wf, opened, complete_proposal, seats
):
    a, b, c, _d, _e = seats(5)
    opened()
    cast(wf, complete_proposal, [(a, APPROVE), (b, APPROVE), (c, REJECT)])

    with time_machine.travel(BEFORE_DEADLINE, tick=False):
        wf.daily()

    assert current_round(complete_proposal).steering_outcome == ""


def test_at_the_deadline_three_votes_close_it_by_majority_of_votes_cast(
    wf, opened, complete_proposal, seats, org_a, org_b, approver_a, approver_b
):
    a, b, c, _d, _e = seats(5)
    opened()
    cast(wf, complete_proposal, [(a, APPROVE), (b, APPROVE), (c, REJECT)])
    with time_machine.travel(OPENED, tick=False):
        wf.decide(complete_proposal, org_a, by=approver_a)
        wf.decide(complete_proposal, org_b, by=approver_b)
    assert fresh(complete_proposal).status == ProposalStatus.IN_REVIEW

    with time_machine.travel(DEADLINE, tick=False):
        counts = wf.daily()
        counts_again = wf.daily()

    assert counts["closed"] == 1 and counts_again["closed"] == 0
    rnd = current_round(complete_proposal)
    assert rnd.steering_outcome == APPROVE
    assert rnd.outcome == RoundOutcome.APPROVED
    assert fresh(complete_proposal).status == ProposalStatus.APPROVED


def test_at_the_deadline_two_votes_are_not_enough(wf, opened, complete_proposal, seats):
    a, b, _c, _d = seats(4)
    opened()
    cast(wf, complete_proposal, [(a, APPROVE), (b, APPROVE)])

    with time_machine.travel(DEADLINE, tick=False):
        wf.daily()

    assert current_round(complete_proposal).steering_outcome == ""


def test_a_majority_against_carries(wf, opened, complete_proposal, seats):
    a, b, c = seats(3)
    opened()
    cast(wf, complete_proposal, [(a, REJECT), (b, APPROVE), (c, REJECT)])
    assert current_round(complete_proposal).steering_outcome == REJECT


@pytest.mark.parametrize("chair_votes", [APPROVE, REJECT])
def test_the_chair_breaks_a_tie(wf, opened, complete_proposal, seats, chair, chair_votes):
    a, b, c = seats(3)
    opened()
    other = REJECT if chair_votes == APPROVE else APPROVE
    cast(wf, complete_proposal, [(a, chair_votes), (b, other), (c, other), (chair, chair_votes)])

    assert current_round(complete_proposal).steering_outcome == chair_votes


def test_a_tie_without_the_chair_does_not_carry(
    wf, opened, complete_proposal, seats, chair, org_a, org_b, approver_a, approver_b
):
    a, b, c, d = seats(4)
    opened()
    # Four of five vote, two each way; the chair does not vote. At the deadline it closes.
    cast(wf, complete_proposal, [(a, APPROVE), (b, APPROVE), (c, REJECT), (d, REJECT)])
    with time_machine.travel(OPENED, tick=False):
        wf.decide(complete_proposal, org_a, by=approver_a)
        wf.decide(complete_proposal, org_b, by=approver_b)

    with time_machine.travel(DEADLINE, tick=False):
        wf.daily()

    rnd = current_round(complete_proposal)
    assert rnd.steering_outcome == REJECT
    assert rnd.outcome == RoundOutcome.DECLINED
    assert fresh(complete_proposal).status == ProposalStatus.DECLINED


def test_the_deadline_falls_on_a_working_day_past_bank_holidays(
    wf, complete_proposal, member_a, approver_b
):
    # Opened Friday 18 December 2026: Christmas Day, Boxing Day (substitute Monday 28th) and
    # New Year's Day do not count. 15 working days later is Wednesday 13 January 2027.
    with time_machine.travel(datetime(2026, 12, 18, 10, 0, tzinfo=LONDON), tick=False):
        wf.submit(complete_proposal, by=member_a)
    assert current_round(complete_proposal).deadline.isoformat() == "2027-01-13"
