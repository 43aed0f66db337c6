"""The multi-agency review: a proposal ready to submit, the people who decide on it, and a
`wf` helper that drives the workflow the way the portal does.

`complete_proposal`: a draft led by org_a (written by member_a) with org_b taking part as a
recipient, every section answered. Its reviewers: approver_a (the lead decides too),
approver_b, and whichever steering-group seats a test asks for (`steering_member`, `chair`,
`seats(n)`). With no steering group at all the organisations decide alone.

On-commit work (the outbox hands tasks to the broker after commit; Celery is eager in tests)
runs only inside `wf` calls or `committed()`, as it would after a real commit.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboxTask
from organisations.models import Role
from sharing_requests import review, services
from sharing_requests.choices import Section
from sharing_requests.models import (
    Action,
    DataItem,
    DecisionStatus,
    LawfulBasis,
    MeasurableOutcome,
    Participant,
    Proposal,
    ReviewRound,
    VoteChoice,
)
from tests.factories import OrganisationFactory, SteeringGroupMemberFactory, UserFactory, member_of

# The broken brokers of the integration tests, for the outage tests here.
from tests.integration.conftest import down_redis_url, hung_redis_url  # noqa: F401

LEAD_IG = "ig@ardwick.example"
PARTNER_IG = "ig@bpnt.example"

VISION_PARTS = {
    "for_who": "older people receiving care at home",
    "need": "are more likely to fall",
    "proposal_name": "the falls prevention scheme",
    "outcome": "prevent falls",
    "data_shared": "names, addresses and mobility flags",
    "between_whom": "Ardwick and the trust",
    "today": "ad hoc phone referrals",
    "benefit": "reach everyone at risk",
}


def url(name: str, proposal: Proposal, *args) -> str:
    return reverse(f"requests:{name}", args=[proposal.reference, *args])


def fresh(proposal) -> Proposal:
    return Proposal.objects.get(pk=proposal.pk)


def current_round(proposal) -> ReviewRound | None:
    return ReviewRound.objects.filter(proposal_id=proposal.pk).order_by("-number").first()


# --- People ---------------------------------------------------------------------------------
@pytest.fixture
def approver_a(org_a):
    return member_of(
        org_a, Role.APPROVER, email="approver.a@ardwick.example", full_name="Ann Approver"
    )


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


# --- The proposal ---------------------------------------------------------------------------
def invite(proposal, organisation, *, by, role="recipient"):
    return services.participant_save(
        proposal=proposal,
        instance=Participant(),
        data={
            "organisation": organisation,
            "role": role,
            "controller_role": "controller",
            "contact_name": "Casey Contact",
            "contact_email": f"contact@{organisation.slug}.example",
        },
        by=by,
    )


def fill(p, *, by):
    """Answer every section of `p` through the services (as demo.py builds its scenarios)."""
    today = timezone.localdate()
    services.proposal_update(
        proposal=p,
        section=Section.PURPOSE,
        data={"problem": "Falls are not prevented.", "benefits": "Fewer falls."},
        by=by,
        revision=None,
    )
    services.vision_update(proposal=p, parts=VISION_PARTS, by=by, revision=None)
    services.item_save(
        proposal=p,
        section=Section.PURPOSE,
        instance=MeasurableOutcome(),
        data={"description": "Fewer falls", "measure": "Falls a year", "target": "10% fewer"},
        by=by,
        kind="outcome",
    )
    services.proposal_update(
        proposal=p,
        section=Section.NEEDS,
        data={"data_subjects": "Adults receiving care at home"},
        by=by,
        revision=None,
    )
    services.item_save(
        proposal=p,
        section=Section.NEEDS,
        instance=DataItem(),
        data={
            "name": "Name and address",
            "category": "personal",
            "identifiability": "identifiable",
            "is_health_or_care": False,
            "necessity": "To know whom to visit.",
        },
        by=by,
        kind="dataitem",
    )
    lead = p.participants.get(is_lead=True)
    services.participant_save(
        proposal=p, instance=lead, data={"role": "provider", "controller_role": "controller"}, by=by
    )
    for party in p.participants.all():
        for direction in party.directions:
            services.lawful_basis_save(
                proposal=p,
                instance=LawfulBasis(participant=party, direction=direction),
                data={"article6": "e", "legal_power": "Care Act 2014 s.6 (co-operation)"},
                by=by,
            )
    services.proposal_update(
        proposal=p,
        section=Section.PRACTICAL,
        data={"dpia_screened": True, "dpia_indicators": ["vulnerable"]},
        by=by,
        revision=None,
    )
    services.item_save(
        proposal=p,
        section=Section.PRACTICAL,
        instance=Action(),
        data={
            "description": "Update the privacy notice",
            "owner_name": "Dan Wright",
            "owner_organisation": p.lead_organisation,
            "due_date": today + timedelta(days=30),
        },
        by=by,
        kind="action",
    )
    services.proposal_update(
        proposal=p,
        section=Section.HOW,
        data={
            "transfer_method": "SFTP",
            "frequency": "weekly",
            "security_measures": "Encryption",
            "access_controls": "The prevention team",
            "storage_location": "UK-hosted CRM",
        },
        by=by,
        revision=None,
    )
    services.proposal_update(
        proposal=p,
        section=Section.REVIEW,
        data={
            "review_date": today + timedelta(days=365),
            "review_frequency": "12",
            "success_measures": "Falls counted",
        },
        by=by,
        revision=None,
    )
    services.proposal_update(
        proposal=p,
        section=Section.EXIT,
        data={
            "start_date": today + timedelta(days=10),
            "end_date": today + timedelta(days=3 * 365),
            "retention": "Two years",
            "end_of_sharing": "delete",
            "early_termination": "A serious breach",
        },
        by=by,
        revision=None,
    )
    return fresh(p)


def build_proposal(*, lead, partners, by, title="Falls prevention referrals") -> Proposal:
    p = services.proposal_create(lead_organisation=lead, title=title, by=by)
    for organisation in partners:
        invite(p, organisation, by=by)
    return fill(fresh(p), by=by)


@pytest.fixture
def complete_proposal(org_a, org_b, member_a, django_capture_on_commit_callbacks):
    for organisation, mailbox in ((org_a, LEAD_IG), (org_b, PARTNER_IG)):
        organisation.ig_mailbox = mailbox
        organisation.save(update_fields=["ig_mailbox"])
    # The partner's invitation e-mail goes out here, so tests see only the review's mail.
    with django_capture_on_commit_callbacks(execute=True):
        p = build_proposal(lead=org_a, partners=[org_b], by=member_a)
    mail.outbox.clear()
    return p


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
            review.decision_record,
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
            review.vote_record, review=current_round(proposal), by=by, vote=vote, comment=comment
        )

    def withdraw(self, proposal, *, by, reason="No longer needed"):
        return self.run(services.proposal_withdraw, proposal=fresh(proposal), by=by, reason=reason)

    def daily(self, today=None):
        return self.run(review.review_daily, today=today)


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

    review.proposal_approved.connect(receiver, weak=False)
    yield calls
    review.proposal_approved.disconnect(receiver)


def pending_outbox(task_name: str):
    return OutboxTask.objects.filter(task_name=task_name, completed_at__isnull=True)
