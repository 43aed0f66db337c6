"""A proposal's life as a whole: its reference, starting it, submitting it for review and
withdrawing it."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit
from organisations.models import Organisation
from outbox.services import outbox_enqueue

from .. import permissions, snapshot
from ..choices import ProposalStatus, Section
from ..completeness import all_problems
from ..events import proposal_event, proposal_locked, proposal_status_change
from ..models import (
    Participant,
    Proposal,
    ProposalVersion,
    ReferenceCounter,
    SectionState,
    VisionStatement,
)
from ..rounds.rounds import round_withdraw
from ..tasks import open_review_round
from .sections import SubmitBlocked, require_editable, section_touch


def next_reference(prefix: str) -> str:
    """ISF-2026-0001: unique per prefix and year, never reused (the counter only grows)."""
    year = timezone.localdate().year
    with transaction.atomic():
        counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
            prefix=prefix, year=year
        )
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
    return f"{prefix}-{year}-{counter.last_number:04d}"


def proposal_create(*, lead_organisation: Organisation, title: str, by) -> Proposal:
    """Start a draft. The author must be a member (role) of the lead organisation."""
    if not permissions.may_start(by, lead_organisation):
        raise DomainError(
            _("Only members of %(org)s can start a proposal for it.")
            % {"org": lead_organisation.name}
        )
    with transaction.atomic():
        proposal = Proposal(
            reference=next_reference("ISF"),
            lead_organisation=lead_organisation,
            created_by=by,
            title=title.strip(),
        )
        audit(proposal, reason="isf.proposal.created", by=by)
        proposal.save()
        VisionStatement.objects.create(proposal=proposal)
        SectionState.objects.bulk_create(
            [SectionState(proposal=proposal, section=s) for s in Section]
        )
        lead = Participant(
            proposal=proposal,
            organisation=lead_organisation,
            is_lead=True,
            contact_name=by.full_name,
            contact_email=by.email,
        )
        audit(lead, reason="isf.participant.lead", by=by)
        lead.save()
        permissions.proposal_grant_party(
            proposal=proposal, organisation=lead_organisation, lead=True
        )
        proposal_event(
            proposal,
            by=by,
            kind="created",
            description=_("Proposal started"),
            organisation=lead_organisation,
        )
        section_touch(proposal, Section.PURPOSE, by=by)
    return proposal


def proposal_submit(*, proposal: Proposal, by) -> ProposalVersion:
    """Validate all seven sections, freeze a version and put the proposal in review."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        require_editable(p, by)
        problems = all_problems(p)
        if problems:
            raise SubmitBlocked([problem for found in problems.values() for problem in found])
        number = (p.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = ProposalVersion.objects.create(
            proposal=p, number=number, snapshot=snapshot.build(p), created_by=by
        )
        p.status = ProposalStatus.IN_REVIEW
        p.submitted_at = timezone.now()
        p.submitted_by = by
        p.last_activity_at = p.submitted_at
        audit(p, reason="isf.proposal.submitted", by=by)
        p.save(update_fields=["status", "submitted_at", "submitted_by", "last_activity_at"])
        permissions.proposal_grant_steering(proposal=p)
        proposal_event(
            p,
            by=by,
            kind="submitted",
            description=_("Submitted for review (version %(n)s)") % {"n": number},
            organisation=p.lead_organisation,
        )
        # Opening the review round is recorded here, in the same transaction, so it cannot
        # be lost if the broker is away; the worker opens it (requests.open_review_round).
        outbox_enqueue(task=open_review_round, kwargs={"version_id": version.pk})
    return version


def proposal_withdraw(*, proposal: Proposal, by, reason: str) -> Proposal:
    """The lead organisation withdraws a draft, a proposal sent back, or one in review (its
    round closes and everyone still waiting is told)."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        if not permissions.may(by, permissions.Action.EDIT, p):
            raise DomainError(_("Only members of the lead organisation can withdraw it."))
        if p.status not in (
            ProposalStatus.DRAFT,
            ProposalStatus.CHANGES_REQUESTED,
            ProposalStatus.IN_REVIEW,
        ):
            raise DomainError(
                _("A proposal that is %(status)s cannot be withdrawn.")
                % {"status": p.get_status_display().lower()}
            )
        if p.status == ProposalStatus.IN_REVIEW:
            round_withdraw(proposal=p, by=by, reason=reason)
        proposal_status_change(
            p,
            status=ProposalStatus.WITHDRAWN,
            by=by,
            reason="isf.proposal.withdrawn",
            kind="withdrawn",
            description=_("Withdrawn: %(reason)s") % {"reason": reason},
            organisation=p.lead_organisation,
        )
    return p
