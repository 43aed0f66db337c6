"""The two steps of generating an agreement (see the package docstring), and the signatures
each party owes."""

import datetime
import hashlib
import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from isf_portal.domain import audit
from notifications.models import NotificationKind
from notifications.services import notify
from organisations.models import Organisation, SignatoryCapacity
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import Proposal, ProposalVersion
from sharing_requests.services import next_reference

from ..events import agreement_locked, timeline_add
from ..lifecycle import previous_for
from ..models import (
    Agreement,
    AgreementParty,
    AgreementStatus,
)
from ..permissions import Action, agreement_grant_parties, holders
from ..search import detail_text
from .clauses import ClauseBook
from .content import build_content, plain_text

logger = logging.getLogger(__name__)


def capacities_for(organisation: Organisation) -> list[str]:
    """The signatures an organisation owes on an agreement: its SIRO (or other authorised
    signatory), and its Caldicott Guardian too where it says so."""
    capacities = [SignatoryCapacity.SIRO.value]
    if organisation.requires_caldicott_signature:
        capacities.append(SignatoryCapacity.CALDICOTT.value)
    return capacities


# --- Step 1: the agreement row --------------------------------------------------------------
def agreement_create(*, version_id: int) -> Agreement | None:
    """Create the agreement of an approved version, once. Returns the agreement (the existing
    one if it was already created), or None if the version no longer leads to one."""
    with transaction.atomic():
        version = ProposalVersion.objects.select_related("proposal").get(pk=version_id)
        # The proposal row is the lock that serialises two runs of this task.
        proposal = Proposal.objects.select_for_update().get(pk=version.proposal_id)
        existing = Agreement.objects.filter(version=version).first()
        if existing is not None:
            return existing
        if proposal.status != ProposalStatus.APPROVED:
            logger.info("Proposal %s is no longer approved: no agreement", proposal.reference)
            return None
        snapshot = version.snapshot
        previous = previous_for(proposal=proposal)
        organisations = Organisation.objects.in_bulk(
            [p["organisation_id"] for p in snapshot.get("participants", [])]
        )
        capacities = {pk: capacities_for(org) for pk, org in organisations.items()}
        reference = next_reference("DSA")
        agreement_version = (previous.content.get("version", 1) + 1) if previous else 1
        clauses = ClauseBook()
        content = build_content(
            snapshot=snapshot,
            reference=reference,
            title=snapshot.get("title") or proposal.title,
            agreement_version=agreement_version,
            proposal_version=version.number,
            capacities=capacities,
            clauses=clauses,
        )
        codes = {i.get("category_code") for i in snapshot.get("data_items", [])}
        agreement = Agreement(
            reference=reference,
            title=content["title"][:200],
            status=AgreementStatus.GENERATING,
            proposal=proposal,
            version=version,
            previous=previous,
            content=content,
            search_detail=detail_text(snapshot),
            has_special_category="special" in codes,
            has_criminal_offence="criminal" in codes,
            start_date=_parse(snapshot.get("start_date")),
            end_date=_parse(snapshot.get("end_date")),
            review_date=_parse(snapshot.get("review_date")),
            notice_days=clauses.notice_days(),
        )
        audit(agreement, reason="isf.agreement.generated")
        agreement.save()
        for party in snapshot.get("participants", []):
            organisation = organisations[party["organisation_id"]]
            AgreementParty.objects.create(
                agreement=agreement,
                organisation=organisation,
                name=party["name"],
                short_name=plain_text(party.get("short_name")),
                sector=plain_text(party.get("sector")),
                ico_registration_number=plain_text(party.get("ico_registration_number")),
                dpo_name=plain_text(party.get("dpo_name")),
                dpo_email=plain_text(party.get("dpo_email")),
                role=plain_text(party.get("role"))[:100],
                controller_role=plain_text(party.get("controller_role"))[:100],
                is_lead=bool(party.get("is_lead")),
                required_signatures=capacities[organisation.pk],
            )
        agreement_grant_parties(agreement=agreement)
        timeline_add(
            agreement,
            kind="generated",
            description=_("Generated from %(ref)s version %(n)s; the document is being prepared")
            % {"ref": proposal.reference, "n": version.number},
        )
    return agreement


def _parse(value):
    return datetime.date.fromisoformat(value) if value else None


# --- Step 2: the draft PDF ------------------------------------------------------------------
def agreement_render_draft(*, agreement_id: int) -> Agreement:
    """Render and store the draft PDF once, then ask the parties' signatories to sign."""
    # WeasyPrint takes a second to import: only the worker that renders pays for it.
    from ..pdf import render_agreement_pdf

    agreement = Agreement.objects.get(pk=agreement_id)
    if agreement.status != AgreementStatus.GENERATING or agreement.draft_pdf:
        return agreement
    # Seconds of work: no lock is held while it runs. Two runs may both render; only the
    # first to store keeps its file.
    pdf = render_agreement_pdf(agreement)
    with transaction.atomic():
        agreement = agreement_locked(agreement_id)
        if agreement.status != AgreementStatus.GENERATING or agreement.draft_pdf:
            return agreement
        agreement.draft_sha256 = hashlib.sha256(pdf).hexdigest()
        agreement.draft_pdf.save(f"{agreement.reference}-draft.pdf", ContentFile(pdf), save=False)
        agreement.status = AgreementStatus.AWAITING_SIGNATURES
        audit(agreement, reason="isf.agreement.awaiting_signatures")
        agreement.save(update_fields=["draft_pdf", "draft_sha256", "status"])
        timeline_add(
            agreement,
            kind="ready",
            description=_("The agreement is ready to sign (draft SHA-256 %(sha)s)")
            % {"sha": agreement.draft_sha256},
        )
        _ask_signatories(agreement)
    return agreement


def signatories_of(agreement: Agreement, party: AgreementParty):
    """The active users who may sign for `party` in one of the capacities it owes."""
    return [
        m.user
        for m in holders(Action.SIGN, agreement, party=party)
        .filter(signatory_capacity__in=party.required_signatures, user__is_active=True)
        .select_related("user")
    ]


def _ask_signatories(agreement: Agreement) -> None:
    url = reverse("agreements:sign", args=[agreement.reference])
    title = _("Please sign %(ref)s: %(title)s") % {
        "ref": agreement.reference,
        "title": agreement.title,
    }
    for party in agreement.parties.select_related("organisation"):
        users = signatories_of(agreement, party)
        if not users:
            logger.warning("%s has no signatory for %s", party.name, agreement.reference)
        for user in users:
            notify(
                user=user,
                kind=NotificationKind.SIGNATURE_REQUESTED,
                title=title,
                url=url,
                template="agreement_sign",
                context={"agreement": agreement, "party": party},
                cc=[party.organisation.ig_mailbox],
            )


def agreement_generate(*, version_id: int) -> Agreement | None:
    """The whole generation: create the agreement (once), then its draft PDF (once)."""
    agreement = agreement_create(version_id=version_id)
    if agreement is None:
        return None
    return agreement_render_draft(agreement_id=agreement.pk)
