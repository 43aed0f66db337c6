"""Real threads on PostgreSQL, released together by a barrier: final approvals arriving at the
same moment give exactly one transition to approved and one agreement-hook call, and two
people deciding for the same organisation at once give one decision and one clear refusal."""

import threading
import time

import pytest
from django.db import connection, connections

from isf_portal.domain import DomainError
from organisations.models import Role
from sharing_requests import services
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import DecisionStatus, ProposalEvent, RoundOutcome, VoteChoice
from sharing_requests.rounds import rounds
from tests.factories import OrganisationFactory, member_of
from tests.workflow.conftest import build_proposal, current_round, fresh

pytestmark = [pytest.mark.django_db(transaction=True)]

PARTNERS = 3


def race(actions):
    """Run each action in its own thread (and database connection), all released at once.
    Returns what each returned or raised, in order."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(i, action):
        try:
            barrier.wait(timeout=30)
            outcomes[i] = ("ok", action())
        except BaseException as exc:  # reported to the test's thread
            outcomes[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i, action), name=f"decider-{i}")
        for i, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a decider hung"
    return outcomes


@pytest.fixture(autouse=True)
def slow_evaluation(monkeypatch):
    """Widen the window between recording an act and evaluating the round, so that without
    the proposal's row lock the threads would overlap every time (they do not need luck)."""
    evaluate = rounds.round_evaluate

    def slowly(*args, **kwargs):
        time.sleep(0.2)
        return evaluate(*args, **kwargs)

    monkeypatch.setattr(rounds, "round_evaluate", slowly)


@pytest.fixture
def hook_calls():
    calls = []
    lock = threading.Lock()

    def receiver(sender, proposal, review, **kwargs):
        # Sent inside the approving transaction (this thread's own connection), so the
        # agreement work the receiver records commits or rolls back with the approval.
        assert connection.in_atomic_block
        with lock:
            calls.append((proposal.pk, review.number))

    rounds.proposal_approved.connect(receiver, weak=False)
    yield calls
    rounds.proposal_approved.disconnect(receiver)


@pytest.fixture
def many_parties(org_a, member_a, approver_a):
    """A proposal led by org_a with three more organisations taking part, each with an
    approver: returns (proposal, [(organisation, approver), ...]) with its round open."""
    partners = [
        OrganisationFactory(name=f"Partner {i}", short_name=f"P{i}", slug=f"partner-{i}")
        for i in range(PARTNERS)
    ]
    approvers = [(org_a, approver_a)] + [
        (org, member_of(org, Role.APPROVER, email=f"approver@partner-{i}.example"))
        for i, org in enumerate(partners)
    ]
    p = build_proposal(lead=org_a, partners=partners, by=member_a)
    services.proposal_submit(proposal=p, by=member_a)  # commits; the eager task opens round 1
    assert current_round(p).decisions.count() == PARTNERS + 1
    return fresh(p), approvers


def approve_action(proposal, organisation, person):
    decision = current_round(proposal).decisions.get(organisation=organisation)
    return lambda: rounds.decision_record(
        decision=decision, by=person, status=DecisionStatus.APPROVED, comment=""
    )


@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_final_approvals_approve_exactly_once(
    postgres, many_parties, seats, hook_calls, attempt
):
    proposal, approvers = many_parties
    # The steering group has approved already: the organisations' approvals are the last.
    (member,) = seats(1)
    rounds.vote_record(review=current_round(proposal), by=member, vote=VoteChoice.APPROVE)
    assert current_round(proposal).steering_outcome == VoteChoice.APPROVE

    outcomes = race([approve_action(proposal, org, person) for org, person in approvers])

    assert [kind for kind, _value in outcomes] == ["ok"] * len(approvers), outcomes
    p = fresh(proposal)
    assert p.status == ProposalStatus.APPROVED
    rnd = current_round(p)
    assert rnd.outcome == RoundOutcome.APPROVED
    assert {d.status for d in rnd.decisions.all()} == {DecisionStatus.APPROVED}
    assert p.history.filter(history_change_reason="isf.proposal.approved").count() == 1
    assert rnd.history.filter(history_change_reason="isf.review.closed_approved").count() == 1
    assert hook_calls == [(p.pk, 1)]


def test_concurrent_last_approvals_and_steering_votes_approve_exactly_once(
    postgres, many_parties, seats, hook_calls
):
    proposal, approvers = many_parties
    voters = seats(3)  # seated after the round opened: they vote all the same
    actions = [approve_action(proposal, org, person) for org, person in approvers]
    rnd = current_round(proposal)
    actions += [
        (lambda person=person: rounds.vote_record(review=rnd, by=person, vote=VoteChoice.APPROVE))
        for person in voters
    ]

    outcomes = race(actions)

    assert [kind for kind, _value in outcomes] == ["ok"] * len(actions), outcomes
    p = fresh(proposal)
    assert p.status == ProposalStatus.APPROVED
    assert current_round(p).steering_outcome == VoteChoice.APPROVE
    assert current_round(p).votes.count() == 3
    assert hook_calls == [(p.pk, 1)]


def test_two_people_deciding_for_one_organisation_at_once_give_one_decision(
    postgres, wf, complete_proposal, org_b, member_a, approver_a, approver_b, hook_calls
):
    second = member_of(org_b, Role.APPROVER, email="second.approver@bpnt.example")
    wf.submit(complete_proposal, by=member_a)
    decision = current_round(complete_proposal).decisions.get(organisation=org_b)

    outcomes = race(
        [
            lambda: rounds.decision_record(
                decision=decision, by=approver_b, status=DecisionStatus.APPROVED, comment=""
            ),
            lambda: rounds.decision_record(
                decision=decision,
                by=second,
                status=DecisionStatus.CHANGES_REQUESTED,
                comment="Say more about retention",
            ),
        ]
    )

    kinds = sorted(kind for kind, _value in outcomes)
    assert kinds == ["error", "ok"], outcomes
    winner = next(value for kind, value in outcomes if kind == "ok")
    error = next(value for kind, value in outcomes if kind == "error")
    assert isinstance(error, DomainError)
    assert "Bradford Park NHS Trust has already decided in this round" in str(error)
    decision.refresh_from_db()
    assert (decision.status, decision.decided_by, decision.comment) == (
        winner.status,
        winner.decided_by,
        winner.comment,
    )
    assert decision.history.exclude(status=DecisionStatus.PENDING).count() == 1
    assert hook_calls == []


def test_a_double_click_records_one_decision(
    postgres, wf, complete_proposal, org_b, member_a, approver_a, approver_b
):
    wf.submit(complete_proposal, by=member_a)
    decision = current_round(complete_proposal).decisions.get(organisation=org_b)
    act = lambda: rounds.decision_record(  # noqa: E731
        decision=decision, by=approver_b, status=DecisionStatus.APPROVED, comment=""
    )

    outcomes = race([act, act])

    assert sorted(kind for kind, _value in outcomes) == ["error", "ok"]
    assert ProposalEvent.objects.filter(proposal=complete_proposal, kind="decision").count() == 1
    assert decision.history.exclude(status=DecisionStatus.PENDING).count() == 1
