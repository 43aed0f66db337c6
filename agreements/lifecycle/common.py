"""What the lifecycle's services share: who may act, reads, the timeline, telling the
parties' governance officers."""

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from isf_portal.compiled import CompiledRead
from isf_portal.domain import DomainError, audit

from .. import consents, permissions
from ..models import (
    Agreement,
    AgreementDownload,
    AgreementEvent,
    AgreementReview,
    AgreementStatus,
    ConsentKind,
)

# Review-date reminders go this many days before the review date, once each per date.
REMINDER_DAYS = (60, 14)

# Agreements still being prepared or signed: a variation in one of these is under way.
IN_PREPARATION = (
    AgreementStatus.GENERATING,
    AgreementStatus.AWAITING_SIGNATURES,
    AgreementStatus.SEALING,
)


class NotAllowed(DomainError):
    """The user may see the agreement but may not take this action (the view answers 403)."""


# --- Reading --------------------------------------------------------------------------------
def open_agreement_review(agreement: Agreement) -> AgreementReview | None:
    return agreement.reviews.filter(closed_at__isnull=True).select_related("opened_by").first()


def scheduled_termination(agreement: Agreement) -> date | None:
    """The date every party agreed the agreement ends, while it is still in force."""
    if agreement.status != AgreementStatus.ACTIVE:
        return None
    return agreement.terminates_on


def pending_change(agreement: Agreement):
    """A proposal to end or vary the agreement still waiting for the parties, if any."""
    return (
        consents.pending(agreement)
        .filter(kind__in=[ConsentKind.TERMINATE, ConsentKind.VARY])
        .first()
    )


def previous_for(*, proposal, exclude: Agreement | None = None) -> Agreement | None:
    """The agreement a new version of `proposal` replaces: its agreement still in force.

    Generation calls this when it creates an agreement from a proposal, to set `previous` from
    the start; on_activated() sets it too if it was not."""
    if proposal is None:
        return None
    queryset = Agreement.objects.filter(proposal=proposal, status=AgreementStatus.ACTIVE)
    if exclude is not None and exclude.pk:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset.order_by("-activated_at", "-pk").first()


@dataclass(frozen=True)
class DownloadRow:
    """A recorded download, shown on the timeline like an event (never chained: reading is
    not a change to the agreement)."""

    kind: str
    description: str
    created_at: datetime
    actor: object


_EVENTS = CompiledRead(
    lambda agreement_id, limit: (
        AgreementEvent.objects.filter(agreement_id=agreement_id)
        .select_related("actor")
        .only("agreement_id", "kind", "description", "created_at", "actor__full_name")[:limit]
    ),
    agreement_id=int,
)
_DOWNLOADS = CompiledRead(
    lambda agreement_id, limit: (
        AgreementDownload.objects.filter(agreement_id=agreement_id)
        .select_related("user")
        .order_by("-downloaded_at")[:limit]
    ),
    agreement_id=int,
)


def timeline(agreement: Agreement, limit: int = 200, *, downloads: bool = False) -> list:
    """The agreement's events, newest first; with `downloads` (for those who oversee it, its
    governance officers) each download of its PDFs among them."""
    # The pages show each event's description, time and actor's name: the rest of the
    # event (its hashes) and of the actor's user row are not read.
    # Reads of a fixed shape, compiled once per connection (isf_portal/compiled.py).
    known = {"agreement": agreement}
    rows = _EVENTS.instances(agreement_id=agreement.pk, limit=limit, known=known)
    if downloads:
        labels = {"signed": _("the signed PDF"), "draft": _("the draft PDF")}
        rows += [
            DownloadRow(
                kind="downloaded",
                description=_("Downloaded %(what)s") % {"what": labels.get(d.kind, d.kind)},
                created_at=d.downloaded_at,
                actor=d.user,
            )
            for d in _DOWNLOADS.instances(agreement_id=agreement.pk, limit=limit, known=known)
        ]
        rows.sort(key=lambda row: row.created_at, reverse=True)
    return rows[:limit]


# --- Helpers --------------------------------------------------------------------------------
def _date(value: date) -> str:
    return formats.date_format(value, "j F Y")


def _require_manager(agreement: Agreement, by) -> None:
    if not permissions.may(by, permissions.Action.MANAGE, agreement):
        raise NotAllowed(
            _(
                "Only a governance officer or an approver of one of the parties can review "
                "this agreement."
            )
        )


def _require_active(agreement: Agreement) -> None:
    if agreement.status != AgreementStatus.ACTIVE:
        raise DomainError(
            _("Only an active agreement can be reviewed. This one is %(status)s.")
            % {"status": agreement.get_status_display().lower()}
        )


def _close_open_reviews(agreement: Agreement, *, reason: str) -> None:
    """An agreement that ends closes any review still open on it, without an outcome, and
    what the parties were still asked to agree to lapses."""
    consents.consents_lapse(agreement)
    for review in AgreementReview.objects.select_for_update().filter(
        agreement=agreement, closed_at__isnull=True
    ):
        review.closed_at = timezone.now()
        review.reason = reason
        audit(review, reason="isf.agreement.review_closed_by_end")
        review.save(update_fields=["closed_at", "reason"])
