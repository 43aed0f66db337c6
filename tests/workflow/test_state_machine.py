"""Random sequences of submit / decide (approve, request changes, decline) / vote / resubmit /
withdraw / send back, with the round-opening task and the daily job run at random moments:
after every step the workflow's invariants hold.

- approved => every decision of the current round approved and the steering group approved;
- at most one open round per proposal;
- an open round exists iff the proposal is in review (once the round-opening task has run);
- the decisions of a closed round never change;
- the approval hook fires once per transition to approved.
"""

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from isf_portal.domain import DomainError
from outbox.models import OutboxTask
from outbox.services import outbox_dispatch
from sharing_requests import services
from sharing_requests.choices import ProposalStatus, Section
from sharing_requests.models import (
    DecisionStatus,
    OrganisationDecision,
    ReviewRound,
    RoundOutcome,
    VoteChoice,
)
from sharing_requests.rounds import daily, rounds
from tests.workflow.conftest import build_proposal, fresh

OPEN_ROUND = "requests.open_review_round"
# Weighted towards approving, so that sequences reach approval and further rounds as well as
# the quick ends (a decline, a withdrawal).
OUTCOMES = (
    [DecisionStatus.APPROVED] * 4
    + [DecisionStatus.CHANGES_REQUESTED] * 2
    + [DecisionStatus.DECLINED]
)
VOTES = [VoteChoice.APPROVE] * 3 + [VoteChoice.REJECT]
MOVES = ["progress"] * 6 + ["illegal", "deadline", "withdraw"]
EDITABLE = {ProposalStatus.DRAFT, ProposalStatus.CHANGES_REQUESTED}
WITHDRAWABLE = EDITABLE | {ProposalStatus.IN_REVIEW}


@pytest.mark.django_db
def test_random_review_sequences_keep_the_invariants(
    org_a,
    org_b,
    member_a,
    approver_a,
    approver_b,
    chair,
    seats,
    settings,
    django_capture_on_commit_callbacks,
):
    deciders = {org_a.pk: approver_a, org_b.pk: approver_b}
    # Two voters: both voting closes the vote; at the deadline one vote is enough.
    settings.REVIEW_RULE = {**settings.REVIEW_RULE, "steering_quorum": 1}
    voters = [chair, *seats(1)]
    approvals = []

    def on_approved(sender, proposal, review, **kwargs):
        approvals.append(proposal.pk)

    rounds.proposal_approved.connect(on_approved, weak=False)

    class ReviewMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            with django_capture_on_commit_callbacks(execute=True):
                self.proposal = build_proposal(
                    lead=org_a, partners=[org_b], by=member_a, title="Random walk"
                )
            self.outbox_from = OutboxTask.objects.order_by("-pk").values_list("pk", flat=True)[0]
            self.frozen: dict[int, tuple] = {}
            self.edits = 0

        # --- helpers -------------------------------------------------------------------
        @property
        def p(self):
            return fresh(self.proposal)

        def open_round(self):
            return ReviewRound.objects.filter(
                proposal=self.proposal, closed_at__isnull=True
            ).first()

        def pending_round_tasks(self):
            versions = set(self.p.versions.values_list("pk", flat=True))
            return [
                row
                for row in OutboxTask.objects.filter(
                    task_name=OPEN_ROUND, completed_at__isnull=True, pk__gt=self.outbox_from
                )
                if row.kwargs.get("version_id") in versions
            ]

        # --- moves -------------------------------------------------------------------
        def submit(self):
            # Committed, but the broker has not run the round-opening task yet.
            services.proposal_submit(proposal=self.p, by=member_a)
            assert self.p.status == ProposalStatus.IN_REVIEW

        def edit_and_resubmit(self):
            self.edits += 1
            services.proposal_update(
                proposal=self.p,
                section=Section.NEEDS,
                data={"data_subjects": f"Adults receiving care at home ({self.edits})"},
                by=member_a,
                revision=None,
            )
            self.submit()

        def run_the_round_opening_task(self):
            with django_capture_on_commit_callbacks(execute=True):
                for row in self.pending_round_tasks():
                    outbox_dispatch(outbox_id=row.pk)
            assert not self.pending_round_tasks()

        def someone_waiting_acts(self, pick, outcome, vote):
            """One of those still waiting acts: an organisation's approver decides, or a
            steering-group member votes. False if nobody is waiting."""
            rnd = self.open_round()
            voted = set(rnd.votes.values_list("member_id", flat=True))
            waiting = [("decide", d) for d in rnd.decisions.filter(status="pending")]
            if not rnd.steering_outcome:
                waiting += [("vote", v) for v in voters if v.pk not in voted]
            if not waiting:
                return False
            kind, who = waiting[pick % len(waiting)]
            if kind == "decide":
                comment = "" if outcome == DecisionStatus.APPROVED else f"Because {outcome}"
                rounds.decision_record(
                    decision=who, by=deciders[who.organisation_id], status=outcome, comment=comment
                )
                who.refresh_from_db()
                assert who.status == outcome
            else:
                rounds.vote_record(review=rnd, by=who, vote=vote, comment="Not yet")
                assert rnd.votes.filter(member=who).exists()
            return True

        def progress(self, pick, outcome, vote):
            """Whatever moves the proposal on from where it is."""
            status = self.p.status
            if self.pending_round_tasks():
                self.run_the_round_opening_task()
            elif status == ProposalStatus.IN_REVIEW:
                self.someone_waiting_acts(pick, outcome, vote)
            elif status == ProposalStatus.CHANGES_REQUESTED:
                self.edit_and_resubmit()
            elif status == ProposalStatus.APPROVED:
                # A signatory declines to sign: back to the authors as changes requested.
                rounds.proposal_send_back(proposal=self.p, by=approver_b, reason="Will not sign")
                assert self.p.status == ProposalStatus.CHANGES_REQUESTED

        def deadline(self):
            """The daily job runs on the round's deadline: one vote is the quorum here."""
            rnd = self.open_round()
            if rnd is None:
                return
            daily.review_daily(today=rnd.deadline)
            rnd.refresh_from_db()
            assert bool(rnd.steering_outcome) == rnd.votes.exists() or not rnd.is_open

        def illegal(self, pick, outcome):
            """Submitting what is in review or decided, deciding again or on a closed round,
            voting twice or after the vote closed, withdrawing what is decided: refused, and
            nothing changes."""
            rnd = ReviewRound.objects.filter(proposal=self.proposal).first()
            moves = []
            if self.p.status not in EDITABLE:
                moves.append(lambda: services.proposal_submit(proposal=self.p, by=member_a))
            if self.p.status not in WITHDRAWABLE:
                moves.append(
                    lambda: services.proposal_withdraw(proposal=self.p, by=member_a, reason="x")
                )
            if rnd is not None:
                for d in rnd.decisions.all():
                    if not rnd.is_open or d.status != DecisionStatus.PENDING:
                        moves.append(
                            lambda d=d: rounds.decision_record(
                                decision=d,
                                by=deciders[d.organisation_id],
                                status=outcome,
                                comment="Again",
                            )
                        )
                voted = set(rnd.votes.values_list("member_id", flat=True))
                for v in voters:
                    if not rnd.is_open or rnd.steering_outcome or v.pk in voted:
                        moves.append(
                            lambda v=v: rounds.vote_record(review=rnd, by=v, vote="approve")
                        )
            if not moves:
                return
            before = (self.p.status, self.p.history.count(), OrganisationDecision.objects.count())
            with pytest.raises(DomainError):
                moves[pick % len(moves)]()
            assert (
                self.p.status,
                self.p.history.count(),
                OrganisationDecision.objects.count(),
            ) == before

        def withdraw(self):
            if self.p.status in WITHDRAWABLE:
                services.proposal_withdraw(proposal=self.p, by=member_a, reason="Random")
                assert self.p.status == ProposalStatus.WITHDRAWN
                assert self.open_round() is None

        # --- rules ---------------------------------------------------------------------
        # One rule choosing the move, rather than a rule per move: Hypothesis's swarm
        # testing would otherwise switch off "progress" in most examples and the walks
        # would never reach approval or a second round.
        @initialize(run_task=st.booleans())
        def submitted(self, run_task):
            self.submit()
            if run_task:
                self.run_the_round_opening_task()

        @rule(
            move=st.sampled_from(MOVES),
            pick=st.integers(0, 3),
            outcome=st.sampled_from(OUTCOMES),
            vote=st.sampled_from(VOTES),
        )
        def step(self, move, pick, outcome, vote):
            if move == "progress":
                self.progress(pick, outcome, vote)
            elif move == "deadline":
                self.deadline()
            elif move == "illegal":
                self.illegal(pick, outcome)
            elif move == "withdraw":
                self.withdraw()

        def teardown(self):
            # Close what is still open, so the next example's daily job does not trawl it.
            if self.p.status in WITHDRAWABLE:
                services.proposal_withdraw(proposal=self.p, by=member_a, reason="Done")

        # --- invariants ----------------------------------------------------------------
        @invariant()
        def at_most_one_open_round(self):
            assert (
                ReviewRound.objects.filter(proposal=self.proposal, closed_at__isnull=True).count()
                <= 1
            )

        @invariant()
        def an_open_round_exists_iff_in_review_once_the_task_ran(self):
            status = self.p.status
            rnd = self.open_round()
            if rnd is not None:
                assert status == ProposalStatus.IN_REVIEW
                assert rnd.version == self.p.versions.order_by("-number").first()
            if status == ProposalStatus.IN_REVIEW and not self.pending_round_tasks():
                assert rnd is not None

        @invariant()
        def approved_means_everyone_approved_in_the_current_round(self):
            if self.p.status != ProposalStatus.APPROVED:
                return
            current = ReviewRound.objects.filter(proposal=self.proposal).first()
            assert current.outcome == RoundOutcome.APPROVED
            assert current.steering_outcome == VoteChoice.APPROVE
            assert set(current.decisions.values_list("status", flat=True)) == {
                DecisionStatus.APPROVED
            }

        @invariant()
        def closed_rounds_never_change(self):
            for d in OrganisationDecision.objects.filter(
                round__proposal=self.proposal, round__closed_at__isnull=False
            ):
                now = (d.status, d.comment, d.sections, d.decided_by_id, d.decided_at)
                assert self.frozen.setdefault(d.pk, now) == now
            for r in ReviewRound.objects.filter(proposal=self.proposal, closed_at__isnull=False):
                now = (r.outcome, r.closed_at, r.steering_outcome, r.votes.count())
                assert self.frozen.setdefault(-r.pk, now) == now

        @invariant()
        def the_hook_fires_once_per_approval(self):
            transitions = self.p.history.filter(
                history_change_reason="isf.proposal.approved"
            ).count()
            assert approvals.count(self.proposal.pk) == transitions

    try:
        run_state_machine_as_test(
            ReviewMachine,
            settings=hypothesis_settings(
                max_examples=12,
                stateful_step_count=20,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            ),
        )
    finally:
        rounds.proposal_approved.disconnect(on_approved)
