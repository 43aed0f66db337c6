"""A fixed history for the insight tests: proposals submitted through the services, then
their rounds, decisions and agreements moved to known dates, so every figure can be worked
out by hand (working days across the August and Christmas bank holidays of 2025)."""

from datetime import date, datetime, time

from django.utils import timezone

from agreements.models import Agreement, AgreementParty, AgreementStatus, Signature
from sharing_requests import services
from sharing_requests.models import OrganisationDecision, ReviewRound
from sharing_requests.rounds import rounds
from sharing_requests.workdays import working_days_from
from tests.agreements.proposal_builders import build_proposal

TODAY = date(2026, 1, 15)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def in_review(*, lead, partners, author, title, submitted: date) -> ReviewRound:
    """A proposal submitted on `submitted` with its round open (decisions pending)."""
    p = build_proposal(lead=lead, partners=partners, author=author, title=title)
    version = services.proposal_submit(proposal=p, by=author)
    round_ = rounds.round_open(version_id=version.pk)
    type(p).objects.filter(pk=p.pk).update(submitted_at=at(submitted), created_at=at(submitted))
    ReviewRound.objects.filter(pk=round_.pk).update(opened_at=at(submitted))
    return round_


def resubmit(round_, *, author, submitted: date) -> ReviewRound:
    """The proposal of a round that asked for changes, submitted again on `submitted`: its
    next round, open."""
    p = round_.proposal
    type(p).objects.filter(pk=p.pk).update(status="changes_requested")
    p.refresh_from_db()
    version = services.proposal_submit(proposal=p, by=author)
    again = rounds.round_open(version_id=version.pk)
    ReviewRound.objects.filter(pk=again.pk).update(opened_at=at(submitted))
    return again


def _opened_at(round_):
    return ReviewRound.objects.values_list("opened_at", flat=True).get(pk=round_.pk)


def decide(round_, organisation, *, on: date, status="approved", sections=()):
    """The decision moved to `on`, with the working days the service keeps worked out again
    from the moved moments."""
    OrganisationDecision.objects.filter(round=round_, organisation=organisation).update(
        status=status,
        decided_at=at(on),
        sections=list(sections),
        days_to_decide=working_days_from(_opened_at(round_), at(on)),
    )


def close(round_, *, on: date, outcome="approved"):
    ReviewRound.objects.filter(pk=round_.pk).update(
        closed_at=at(on, 16),
        outcome=outcome,
        days_open=working_days_from(_opened_at(round_), at(on, 16)),
    )


def signed_agreement(proposal, *, approved: date, signatures: list, reference: str):
    """An agreement of `proposal` prepared on `approved`, signed on the given days by the
    given (organisation, user) pairs, in force after the last."""
    agreement = Agreement.objects.create(
        reference=reference,
        title=proposal.title,
        proposal=proposal,
        status=AgreementStatus.ACTIVE,
    )
    last = max(day for day, _organisation, _user in signatures)
    Agreement.objects.filter(pk=agreement.pk).update(
        created_at=at(approved), activated_at=at(last, 17)
    )
    for n, (day, organisation, user) in enumerate(signatures):
        party = AgreementParty.objects.create(
            agreement=agreement, organisation=organisation, name=organisation.name, is_lead=n == 0
        )
        signature = Signature.objects.create(
            agreement=agreement,
            party=party,
            capacity="siro",
            signer=user,
            name=user.full_name,
            job_title="SIRO",
            organisation_name=organisation.name,
            pdf_sha256="0" * 64,
        )
        Signature.objects.filter(pk=signature.pk).update(
            signed_at=at(day, 11), days_to_sign=working_days_from(at(approved), at(day, 11))
        )
    return agreement
