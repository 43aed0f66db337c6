"""The multi-agency review: a proposal ready to submit, the people who decide on it, and a
`wf` helper that drives the workflow the way the portal does.

`complete_proposal`: a draft led by org_a (written by member_a) with org_b taking part as a
recipient, every section answered. Its reviewers: approver_a (the lead decides too),
approver_b, and whichever steering-group seats a test asks for (`steering_member`, `chair`,
`seats(n)`). With no steering group at all the organisations decide alone.

On-commit work (the outbox hands tasks to the broker after commit; Celery is eager in tests)
runs only inside `wf` calls or `committed()`, as it would after a real commit.
"""

import pytest
from django.db import connection

from organisations.models import Role
from outbox.models import OutboxTask
from sharing_requests import services
from sharing_requests.models import DecisionStatus, ReviewRound, VoteChoice
from sharing_requests.rounds import daily, rounds

# `complete_proposal` and the helpers that build proposals are in tests/conftest.py, shared
# with the tests of sharing_requests; tests here and elsewhere import them from this module.
from tests.conftest import (  # noqa: F401 (re-exported)
    LEAD_IG,
    PARTNER_IG,
    build_proposal,
    fresh,
    url,
)
from tests.factories import OrganisationFactory, SteeringGroupMemberFactory, UserFactory, member_of

# The broken brokers of the integration tests, for the outage tests here.
from tests.integration.conftest import down_redis_url, hung_redis_url  # noqa: F401


def current_round(proposal) -> ReviewRound | None:
    return ReviewRound.objects.filter(proposal_id=proposal.pk).order_by("-number").first()


# --- People ---------------------------------------------------------------------------------
@pytest.fixture
def member_b(org_b):
    """A member of the partner organisation who is not an approver (a possible delegate)."""
    return member_of(org_b, Role.MEMBER, email="member.b@bpnt.example", full_name="Bill Member")


@pytest.fixture
def chair(db):
    seat = SteeringGroupMemberFactory(
        user=UserFactory(email="chair@gmca.example", full_name="Charlotte Chair"),
        organisation=OrganisationFactory(name="Steering Combined Authority", slug="sca"),
        is_chair=True,
    )
    return seat.user


@pytest.fixture
def seats(db):
    """seats(n): n more (non-chair) steering-group members."""

    def make(n: int):
        organisation = OrganisationFactory(name="Steering Combined Authority", slug="sca")
        return [SteeringGroupMemberFactory(organisation=organisation).user for _i in range(n)]

    return make


# --- Driving the workflow -------------------------------------------------------------------
class Workflow:
    """Service calls as the portal makes them, with their on-commit work run afterwards."""

    def __init__(self, capture):
        self.capture = capture

    def run(self, fn, /, *args, **kwargs):
        with self.capture(execute=True):
            return fn(*args, **kwargs)

    def submit(self, proposal, *, by) -> ReviewRound | None:
        """Submit and let the outbox run the round-opening task; return the open round."""
        version = self.run(services.proposal_submit, proposal=fresh(proposal), by=by)
        return ReviewRound.objects.filter(version=version).first()

    def decision(self, proposal, organisation):
        return current_round(proposal).decisions.get(organisation=organisation)

    def decide(
        self,
        proposal,
        organisation,
        *,
        by,
        status=DecisionStatus.APPROVED,
        comment=None,
        sections=None,
    ):
        if comment is None:
            comment = "" if status == DecisionStatus.APPROVED else f"Reason from {by.full_name}"
        return self.run(
            rounds.decision_record,
            decision=self.decision(proposal, organisation),
            by=by,
            status=status,
            comment=comment,
            sections=sections,
        )

    def vote(self, proposal, *, by, vote=VoteChoice.APPROVE, comment=""):
        if vote == VoteChoice.REJECT and not comment:
            comment = f"Not convinced: {by.full_name}"
        return self.run(
            rounds.vote_record, review=current_round(proposal), by=by, vote=vote, comment=comment
        )

    def withdraw(self, proposal, *, by, reason="No longer needed"):
        return self.run(services.proposal_withdraw, proposal=fresh(proposal), by=by, reason=reason)

    def daily(self, today=None):
        return self.run(daily.review_daily, today=today)


@pytest.fixture
def wf(django_capture_on_commit_callbacks) -> Workflow:
    return Workflow(django_capture_on_commit_callbacks)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs the block's on-commit work at its end."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def in_review(wf, complete_proposal, member_a, approver_a, approver_b):
    """complete_proposal submitted by member_a, its round 1 open (no steering group unless a
    test asks for seats first)."""
    wf.submit(complete_proposal, by=member_a)
    return fresh(complete_proposal)


@pytest.fixture
def approved_signals():
    """Every proposal_approved call, as (proposal pk, round number, in a transaction?)."""
    calls = []

    def receiver(sender, proposal, review, **kwargs):
        calls.append((proposal.pk, review.number, connection.in_atomic_block))

    rounds.proposal_approved.connect(receiver, weak=False)
    yield calls
    rounds.proposal_approved.disconnect(receiver)


def pending_outbox(task_name: str):
    return OutboxTask.objects.filter(task_name=task_name, completed_at__isnull=True)
