"""Agreements signed outside the portal, recorded with their PDF so the register is complete.

A governance officer records one for their organisation: the signed PDF (checked by its
content, 20 MB at most, stored through the storage API with its SHA-256), the title, the
parties (organisations on the portal, theirs included), the dates and the data categories.
It is marked "signed outside the portal" in the register, and every party's members and the
steering group may open it, as with an agreement made on the portal.
"""

import hashlib
from datetime import date

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal import uploads
from isf_portal.domain import DomainError, audit
from notifications.models import NotificationKind
from organisations.models import Organisation
from sharing_requests.services import next_reference

from . import lifecycle, permissions
from .models import Agreement, AgreementParty, AgreementStatus

MAX_PDF_BYTES = 20 * 1024 * 1024
# A PDF's end-of-file marker sits in its last bytes (after the cross-reference table).
PDF_TAIL_BYTES = 2048


def pdf_problem(upload) -> str | None:
    """Why the uploaded file is not a PDF the register accepts, or None.

    Judged by content, never by the file's name or the browser's content type: a PDF begins
    with the %PDF- header, ends with an %%EOF marker, and passes isf_portal.uploads' checks."""
    size = upload.size or 0
    if size == 0:
        return _("The selected file is empty")
    if size > MAX_PDF_BYTES:
        return _("The PDF must be 20 MB or smaller")
    upload.seek(0)
    head = upload.read(5)
    upload.seek(max(0, size - PDF_TAIL_BYTES))
    tail = upload.read()
    upload.seek(0)
    if head != b"%PDF-":
        return _("The selected file must be a PDF")
    if b"%%EOF" not in tail:
        return _("The selected file is not a complete PDF. Save it as a PDF again and upload it")
    try:
        # All of it must parse, free of scripts and attachments, and pass the virus scan.
        uploads.checked_kind(upload, kinds=(uploads.PDF,))
    except uploads.UploadRefused as refusal:
        return refusal.message
    return None


def sha256_of(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def date_problems(*, start_date: date, end_date: date | None, review_date: date) -> dict[str, str]:
    """Field name -> what is wrong with the dates' order."""
    problems = {}
    if end_date and start_date and end_date < start_date:
        problems["end_date"] = _("The end date must be the same as or after the start date")
    if review_date and start_date and review_date < start_date:
        problems["review_date"] = _("The review date must be after the start date")
    elif review_date and end_date and review_date > end_date:
        problems["review_date"] = _("The review date must be on or before the end date")
    return problems


def _party(agreement: Agreement, organisation: Organisation) -> AgreementParty:
    return AgreementParty(
        agreement=agreement,
        organisation=organisation,
        name=organisation.name,
        short_name=organisation.short_name,
        sector=organisation.get_sector_display(),
        ico_registration_number=organisation.ico_registration_number,
        dpo_name=organisation.dpo_name,
        dpo_email=organisation.dpo_email,
        required_signatures=[],  # signed on paper: the portal asks for no signatures
    )


def agreement_record_external(
    *,
    by,
    organisation: Organisation,
    title: str,
    parties: list[Organisation],
    start_date: date,
    end_date: date | None,
    review_date: date,
    has_special_category: bool,
    has_criminal_offence: bool,
    pdf,
) -> Agreement:
    """Record an agreement signed outside the portal, for `organisation`, whose governance
    officer `by` must be. Its status is *active*, or *expired* if its end date has passed.
    The other parties' governance officers are told, so they can check it."""
    if not permissions.may_at(by, permissions.Action.RECORD_EXTERNAL, organisation):
        raise lifecycle.NotAllowed(
            _("Only a governance officer of %(org)s can record its agreements.")
            % {"org": organisation.name}
        )
    title = title.strip()
    if not title:
        raise DomainError(_("Enter the agreement's title"))
    members = {organisation.pk: organisation}
    for other in parties:
        members.setdefault(other.pk, other)
    if len(members) < 2:
        raise DomainError(_("Select at least one other organisation that signed the agreement"))
    problems = date_problems(start_date=start_date, end_date=end_date, review_date=review_date)
    if problems:
        raise DomainError(next(iter(problems.values())))
    problem = pdf_problem(pdf)
    if problem:
        raise DomainError(problem)
    sha256 = sha256_of(pdf)
    existing = Agreement.objects.filter(signed_sha256=sha256).first()
    if existing is not None:
        raise DomainError(
            _("This PDF is already in the register as %(ref)s.") % {"ref": existing.reference}
        )
    today = timezone.localdate()
    expired = end_date is not None and end_date < today
    stored_name = None
    try:
        with transaction.atomic():
            agreement = Agreement(
                reference=next_reference("DSA"),
                title=title,
                status=AgreementStatus.EXPIRED if expired else AgreementStatus.ACTIVE,
                is_external=True,
                has_special_category=has_special_category,
                has_criminal_offence=has_criminal_offence,
                start_date=start_date,
                end_date=end_date,
                review_date=review_date,
                signed_sha256=sha256,
                activated_at=timezone.now(),
                content={"recorded_for": organisation.name, "recorded_by": by.full_name},
            )
            if expired:
                agreement.ended_at = agreement.activated_at
                agreement.end_reason = _("Its end date had passed when it was recorded.")
            pdf.seek(0)
            agreement.signed_pdf.save(f"{agreement.reference}-signed.pdf", File(pdf), save=False)
            stored_name = agreement.signed_pdf.name
            audit(agreement, reason="isf.agreement.recorded_external", by=by)
            agreement.save()
            AgreementParty.objects.bulk_create(
                [_party(agreement, org) for org in sorted(members.values(), key=lambda o: o.name)]
            )
            permissions.agreement_grant_parties(agreement=agreement)
            lifecycle.timeline_add(
                agreement,
                by=by,
                kind="recorded_external",
                description=_("Signed outside the portal; recorded by %(name)s for %(org)s")
                % {"name": by.full_name, "org": organisation.name},
            )
            if expired:
                lifecycle.timeline_add(
                    agreement,
                    by=None,
                    kind="expired",
                    description=_("Expired: its end date had passed when it was recorded"),
                )
            lifecycle.tell_parties(
                agreement,
                kind=NotificationKind.AGREEMENT,
                title=_("%(org)s recorded an agreement naming you: %(ref)s %(title)s")
                % {"org": organisation.short_name, "ref": agreement.reference, "title": title},
                template="agreement_recorded",
                context={"recorded_for": organisation, "by": by},
                exclude=by,
            )
    except Exception:
        # The row was rolled back: do not leave its file behind.
        if stored_name:
            Agreement._meta.get_field("signed_pdf").storage.delete(stored_name)
        raise
    return agreement
