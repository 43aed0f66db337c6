"""A year of history for the insight page, built through the same services people use (so
timelines, audit rows and agreements are real), then moved back in time to when it would
have happened: proposals submitted over the last twelve months, decided after a few working
days (one organisation often slower than the rest), some sent back for changes, one
declined, agreements signed and sealed; and two proposals still in review today whose last
decision is overdue.

Each step's rows and timeline events get the step's date; the timelines' hash chains are then
worked out again over the moved events (isf_portal.audit_chain.backfill), as the migration
that introduced them did. Idempotent: a proposal already there (same lead and title) is
skipped."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from agreements.generation.services import agreement_generate
from agreements.models import Agreement, AgreementEvent, AgreementStatus, Signature
from agreements.outcomes import record_outcome_updates
from agreements.sealing import agreement_seal
from agreements.signing import owed_by, signature_record
from isf_portal import audit_chain
from organisations.demo import DEMO_PASSWORD
from organisations.models import Membership, Organisation, SteeringGroupMember, User
from sharing_requests import services
from sharing_requests.choices import Section
from sharing_requests.examples import proposal_fill
from sharing_requests.models import (
    OrganisationDecision,
    Proposal,
    ProposalEvent,
    ReviewRound,
    SteeringVote,
)
from sharing_requests.rounds import rounds
from sharing_requests.workdays import add_working_days, working_days_from


@dataclass
class Past:
    title: str
    lead: str
    author: str
    partners: list[str]
    submitted: int  # days ago
    decide: dict[str, int]  # organisation -> working days after submission; absent: pending
    result: str = "approved"  # approved, changes (then approved), declined, open
    sent_back: dict[str, list[str]] = field(default_factory=dict)  # for "changes"
    resubmit_after: int = 10  # working days after the changes were asked for
    sign: dict[str, int] = field(default_factory=dict)  # working days after approval


M, S, F = (
    "priya.shah@manchester.example",
    "aisha.khan@salford.example",
    "sam.patel@manchesterfire.example",
)
HISTORY = [
    Past("Hoarding referrals between fire and housing", "gmfrs", F, ["one-manchester"], 345,
         {"gmfrs": 2, "one-manchester": 6}, sign={"gmfrs": 3, "one-manchester": 8}),
    Past("Missing from home return interviews", "manchester", M, ["gmp"], 320,
         {"manchester": 1, "gmp": 12}, sign={"manchester": 2, "gmp": 15}),
    Past("Fire risk visits for tenants on oxygen therapy", "gmfrs", F, ["salford", "mft"], 290,
         {"gmfrs": 1, "salford": 4, "mft": 14}, result="changes",
         sent_back={"mft": ["needs", "how"]}, sign={"gmfrs": 2, "salford": 5, "mft": 11}),
    Past("Concessionary travel for disabled residents", "manchester", M, ["tfgm"], 250,
         {"manchester": 1, "tfgm": 9}, sign={"manchester": 1, "tfgm": 6}),
    Past("Hospital discharge: housing needs of patients", "manchester", M,
         ["mft", "one-manchester"], 215, {"manchester": 2, "one-manchester": 3, "mft": 16},
         sign={"manchester": 2, "one-manchester": 4, "mft": 12}),
    Past("Volunteer befriending referrals", "salford", S, ["10gm"], 180,
         {"salford": 1, "10gm": 5}, result="changes",
         sent_back={"10gm": ["purpose", "needs"]}, sign={"salford": 2, "10gm": 4}),
    Past("Youth justice and probation transitions", "manchester", M, ["probation-gm", "gmp"],
         150, {"manchester": 1, "gmp": 3, "probation-gm": 7},
         sign={"manchester": 1, "gmp": 6, "probation-gm": 9}),
    Past("Tenants' contact details for a marketing partner", "salford", S, ["one-manchester"],
         120, {"one-manchester": 4}, result="declined"),
    Past("Winter warmth outreach for older residents", "gmfrs", F, ["manchester"], 95,
         {"gmfrs": 3, "manchester": 4}, sign={"gmfrs": 10, "manchester": 3}),
    Past("Road safety education in schools", "salford", S, ["tfgm", "gmp"], 60,
         {"salford": 1, "tfgm": 2, "gmp": 5}, sign={"salford": 2, "tfgm": 3, "gmp": 7}),
    # Still in review today, one decision overdue.
    Past("Anti-social behaviour case reviews", "salford", S, ["gmp", "one-manchester"], 40,
         {"salford": 1, "one-manchester": 3}, result="open"),
    Past("Falls prevention referrals from the ambulance service", "manchester", M, ["mft"], 30,
         {"manchester": 2}, result="open"),
]  # fmt: skip


# What the lead recorded of each outcome since (agreements/outcomes.py), oldest first: the
# insight page's "Did the vision come true?" counts one agreement in each state.
JUDGED = {
    "Hoarding referrals between fire and housing": [
        ("not_met", "131 falls a year", "Falls register, first quarter"),
        ("met", "104 falls a year", "Falls register, year to date"),
    ],
    "Missing from home return interviews": [
        ("partly_met", "7% fewer falls", "Ambulance call-outs matched to referrals"),
    ],
    "Concessionary travel for disabled residents": [
        ("not_met", "No change yet", "Falls register: 120 a year, as before"),
    ],
}


def _record_outcomes(agreement_id: int, past: Past) -> None:
    agreement = Agreement.objects.get(pk=agreement_id)
    outcomes = list(agreement.proposal.outcomes.all())
    for judgement, achieved, evidence in JUDGED.get(past.title, []):
        record_outcome_updates(
            agreement=agreement,
            by=_user(past.author),
            entries=[
                {"outcome": o, "achieved": achieved, "judgement": judgement, "evidence": evidence}
                for o in outcomes
            ],
        )


def _at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _user(email) -> User:
    return User.objects.get(email=email)


def _org(slug) -> Organisation:
    return Organisation.objects.get(slug=slug)


class _Clock:
    """Moves what each step made (its timeline events) to the step's moment."""

    def __init__(self):
        self.proposal_id = None
        self.seen = self._last()

    def _last(self) -> int:
        return ProposalEvent.objects.aggregate(n=Max("id"))["n"] or 0

    def stamp(self, moment) -> None:
        last = self._last()
        ProposalEvent.objects.filter(
            proposal_id=self.proposal_id, id__gt=self.seen, id__lte=last
        ).update(created_at=moment)
        self.seen = last


def _approver(slug, author) -> User:
    membership = (
        Membership.objects.filter(organisation__slug=slug, is_approver=True)
        .exclude(user__email=author)
        .select_related("user")
        .order_by("user__email")
        .first()
    )
    return membership.user


def _decide(round_, past: Past, opened, clock: _Clock, statuses: dict) -> None:
    for slug, days in sorted(past.decide.items(), key=lambda item: item[1]):
        if slug not in statuses:
            continue
        decision = round_.decisions.get(organisation__slug=slug)
        rounds.decision_record(
            decision=decision,
            by=_approver(slug, past.author),
            status=statuses[slug],
            comment="Please say more about this." if statuses[slug] != "approved" else "",
            sections=past.sent_back.get(slug, []) if statuses[slug] != "approved" else [],
        )
        moment = _at(add_working_days(opened.date(), days), 11)
        OrganisationDecision.objects.filter(pk=decision.pk).update(
            decided_at=moment, days_to_decide=working_days_from(opened, moment)
        )
        clock.stamp(moment)


def _votes(round_, author, moment, clock: _Clock) -> None:
    for seat in SteeringGroupMember.objects.select_related("user").order_by("pk"):
        round_.refresh_from_db()
        if not round_.is_open:
            break
        if seat.user == author:
            continue
        rounds.vote_record(review=round_, by=seat.user, vote="approve")
    SteeringVote.objects.filter(round=round_).update(voted_at=moment)
    clock.stamp(moment)


def _round(p, past: Past, opened, clock: _Clock, statuses: dict):
    """Submit, open the round, decide as `statuses` says; returns (round, closing moment)."""
    author = _user(past.author)
    version = services.proposal_submit(proposal=p, by=author)
    round_ = rounds.round_open(version_id=version.pk)
    Proposal.objects.filter(pk=p.pk).update(submitted_at=opened)
    ReviewRound.objects.filter(pk=round_.pk).update(opened_at=opened)
    clock.stamp(opened)
    _decide(round_, past, opened, clock, statuses)
    last = max((past.decide[slug] for slug in statuses), default=0)
    closing = _at(add_working_days(opened.date(), last), 15)
    round_.refresh_from_db()
    everyone_approved = len(statuses) == round_.decisions.count() and all(
        s == "approved" for s in statuses.values()
    )
    if round_.is_open and everyone_approved:
        _votes(round_, author, closing, clock)
    round_.refresh_from_db()
    if not round_.is_open:
        ReviewRound.objects.filter(pk=round_.pk).update(
            closed_at=closing, days_open=working_days_from(opened, closing)
        )
    return round_, closing


def _sign(p: Proposal, past: Past, approved_at):
    """Every party signs; returns (agreement id, when it is sealed) for _seal."""
    version = p.versions.order_by("-number").first()
    agreement = agreement_generate(version_id=version.pk) or p.agreements.get(version=version)
    Agreement.objects.filter(pk=agreement.pk).update(created_at=approved_at)
    AgreementEvent.objects.filter(agreement=agreement).update(created_at=approved_at)
    last = approved_at
    for slug, days in sorted(past.sign.items(), key=lambda item: item[1]):
        moment = _at(add_working_days(approved_at.date(), days), 14)
        signers = Membership.objects.filter(organisation__slug=slug, is_signatory=True)
        for membership in signers.select_related("user"):
            agreement.refresh_from_db()
            for owed in owed_by(user=membership.user, agreement=agreement):
                before = AgreementEvent.objects.aggregate(n=Max("id"))["n"] or 0
                signature = signature_record(
                    agreement=agreement,
                    by=membership.user,
                    party=owed.party,
                    capacity=owed.capacity,
                    password=DEMO_PASSWORD,
                    pdf_sha256=agreement.draft_sha256,
                    job_title=membership.user.job_title or "Signatory",
                )
                Signature.objects.filter(pk=signature.pk).update(
                    signed_at=moment, days_to_sign=working_days_from(approved_at, moment)
                )
                AgreementEvent.objects.filter(agreement=agreement, id__gt=before).update(
                    created_at=moment
                )
        last = max(last, moment)
    agreement.refresh_from_db()
    if agreement.status == AgreementStatus.SEALING:
        return agreement.pk, last + timedelta(minutes=5)
    return None


def _seal(agreement_id: int, sealed_at) -> None:
    """Seal as the worker would, then date it to just after the last signature. Run after the
    signatures are committed (see _outside_any_event_loop)."""
    before = AgreementEvent.objects.aggregate(n=Max("id"))["n"] or 0
    _outside_any_event_loop(agreement_seal, agreement_id=agreement_id)
    Agreement.objects.filter(pk=agreement_id).update(
        activated_at=sealed_at, start_date=sealed_at.date()
    )
    AgreementEvent.objects.filter(agreement_id=agreement_id, id__gt=before).update(
        created_at=sealed_at
    )


def _outside_any_event_loop(function, **kwargs):
    """Sealing runs pyHanko's asyncio.run, which refuses to start inside a running event loop
    (a browser test's Playwright, which seeds the demo data from its own thread): there, the
    work runs in a thread of its own (the data it needs is committed: those tests use
    transactional databases)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(**kwargs)

    def run():
        try:
            return function(**kwargs)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def _build(past: Past):
    """The proposal's history; returns what _seal needs when it ends in a signed agreement."""
    today = timezone.localdate()
    author = _user(past.author)
    submitted = _at(add_working_days(today - timedelta(days=past.submitted), 0), 9)
    started = submitted - timedelta(days=21)
    clock = _Clock()
    p = services.proposal_create(lead_organisation=_org(past.lead), title=past.title, by=author)
    clock.proposal_id = p.pk
    p = proposal_fill(
        proposal=p,
        by=author,
        partners=[
            {
                "organisation": _org(slug),
                "role": "recipient",
                "controller_role": "controller",
                "contact_name": "Information governance team",
                "contact_email": f"ig@{slug}.example",
            }
            for slug in past.partners
        ],
    )
    for section in Section:
        services.section_mark(proposal=p, section=section, completed=True, by=author)
    Proposal.objects.filter(pk=p.pk).update(created_at=started)
    clock.stamp(started)
    if past.result == "open":
        _round(p, past, submitted, clock, {s: "approved" for s in past.decide})
        return None
    if past.result == "declined":
        _round(p, past, submitted, clock, {s: "declined" for s in past.decide})
        return None
    if past.result == "changes":
        first = {s: "approved" for s in past.decide if s not in past.sent_back}
        first.update({s: "changes_requested" for s in past.sent_back})
        _round_, closing = _round(p, past, submitted, clock, first)
        p.refresh_from_db()
        for section in past.sent_back[next(iter(past.sent_back))]:
            services.section_mark(proposal=p, section=section, completed=True, by=author)
        submitted = _at(add_working_days(closing.date(), past.resubmit_after), 9)
        p.refresh_from_db()
    _round_, approved_at = _round(p, past, submitted, clock, {s: "approved" for s in past.decide})
    p.refresh_from_db()
    Proposal.objects.filter(pk=p.pk).update(last_activity_at=approved_at)
    if p.status == "approved" and past.sign:
        return _sign(p, past, approved_at)
    return None


def seed() -> int:
    made = 0
    for past in HISTORY:
        if Proposal.objects.filter(lead_organisation__slug=past.lead, title=past.title).exists():
            continue
        with transaction.atomic():
            to_seal = _build(past)
        if to_seal:
            _seal(*to_seal)
            _record_outcomes(to_seal[0], past)
        made += 1
    if made:
        # The moved events are chained again in the order they now happened.
        audit_chain.backfill(
            ProposalEvent, Proposal, parent_field="proposal", domain=audit_chain.PROPOSAL
        )
        audit_chain.backfill(
            AgreementEvent, Agreement, parent_field="agreement", domain=audit_chain.AGREEMENT
        )
    return made
