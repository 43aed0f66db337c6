"""The life of an agreement once it is in force: review reminders, expiry, reviews ending in
continue, vary or terminate, and a new version replacing the old.

Allowed moves (AgreementStatus):

    active ──end date passed (daily)──────────▶ expired
    active ──review: terminate, date today/past─▶ terminated
    active ──review: terminate, future date────▶ active until that date, then terminated (daily)
    active ──review: continue──────────────────▶ active, with a new review date
    active ──review: vary──────────────────────▶ active; its proposal goes back for changes
    active ──the new version becomes active────▶ superseded            (on_activated)

Each write is one guarded function: lock the agreement row, check, change, audit, put it on
the timeline (AgreementEvent), then tell the parties' governance officers. Notifications are
rows written in the same transaction and sent from the outbox after commit.
"""

from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit
from notifications.models import NotificationKind
from notifications.services import email_send, notify
from organisations.models import Membership

from .models import (
    Agreement,
    AgreementEvent,
    AgreementReview,
    AgreementStatus,
    LifecycleReminder,
    ReviewOutcome,
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
def lifecycle_url(agreement: Agreement) -> str:
    return reverse("agreements:lifecycle", args=[agreement.reference])


def can_manage(*, user, agreement: Agreement) -> bool:
    """A governance officer or an approver of one of the agreement's parties may open and
    close its reviews."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (
        Membership.objects.filter(
            user=user,
            organisation__agreement_parties__agreement=agreement,
            organisation__is_active=True,
        )
        .filter(Q(is_governance_officer=True) | Q(is_approver=True))
        .exists()
    )


def open_review(agreement: Agreement) -> AgreementReview | None:
    return agreement.reviews.filter(closed_at__isnull=True).select_related("opened_by").first()


def scheduled_termination(agreement: Agreement) -> AgreementReview | None:
    """A review that ended in termination from a date still to come, if there is one."""
    if agreement.status != AgreementStatus.ACTIVE:
        return None
    return (
        agreement.reviews.filter(outcome=ReviewOutcome.TERMINATE, end_date__isnull=False)
        .order_by("-closed_at")
        .first()
    )


def previous_for(*, proposal, exclude: Agreement | None = None) -> Agreement | None:
    """The agreement a new version of `proposal` replaces: its agreement still in force.

    The documents work can call this when it generates an agreement from a proposal, to set
    `previous` from the start; on_activated() sets it too if it was not."""
    if proposal is None:
        return None
    queryset = Agreement.objects.filter(proposal=proposal, status=AgreementStatus.ACTIVE)
    if exclude is not None and exclude.pk:
        queryset = queryset.exclude(pk=exclude.pk)
    return queryset.order_by("-activated_at", "-pk").first()


def timeline(agreement: Agreement, limit: int = 200):
    return agreement.events.select_related("actor")[:limit]


# --- Helpers --------------------------------------------------------------------------------
def _locked(agreement: Agreement | int) -> Agreement:
    pk = agreement if isinstance(agreement, int) else agreement.pk
    return Agreement.objects.select_for_update().get(pk=pk)


def timeline_add(agreement: Agreement, *, by, kind: str, description: str) -> AgreementEvent:
    return AgreementEvent.objects.create(
        agreement=agreement, actor=by, kind=kind, description=description[:500]
    )


def _date(value: date) -> str:
    return formats.date_format(value, "j F Y")


def _require_manager(agreement: Agreement, by) -> None:
    if not can_manage(user=by, agreement=agreement):
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


def tell_parties(
    agreement: Agreement, *, kind: str, title: str, template: str, context: dict, exclude=None
) -> int:
    """Tell each party's governance officers (their organisation's IG mailbox copied). A party
    with no governance officer on the portal hears through its IG mailbox, or its DPO."""
    told = 0
    seen = {exclude.pk} if exclude is not None else set()
    url = lifecycle_url(agreement)
    parties = agreement.parties.select_related("organisation")
    for party in parties:
        organisation = party.organisation
        officers = [
            m.user
            for m in Membership.objects.filter(
                organisation=organisation, is_governance_officer=True, user__is_active=True
            ).select_related("user")
        ]
        party_context = {**context, "agreement": agreement, "organisation": organisation}
        if not officers:
            address = organisation.ig_mailbox or organisation.dpo_email
            if address:
                email_send(
                    to=address,
                    subject=title,
                    template=template,
                    context={**party_context, "url": _absolute(url), "title": title},
                )
                told += 1
            continue
        for user in officers:
            if user.pk in seen:
                continue
            seen.add(user.pk)
            notify(
                user=user,
                kind=kind,
                title=title,
                url=url,
                template=template,
                context=party_context,
                cc=[organisation.ig_mailbox],
            )
            told += 1
    return told


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


def _tell_update(agreement: Agreement, *, message: str, reason: str = "", exclude=None) -> None:
    tell_parties(
        agreement,
        kind=NotificationKind.AGREEMENT,
        title=_("%(ref)s %(title)s: %(message)s")
        % {"ref": agreement.reference, "title": agreement.title, "message": message},
        template="agreement_update",
        context={"message": message, "reason": reason},
        exclude=exclude,
    )


def _close_open_reviews(agreement: Agreement, *, reason: str) -> None:
    """An agreement that ends closes any review still open on it, without an outcome."""
    for review in AgreementReview.objects.select_for_update().filter(
        agreement=agreement, closed_at__isnull=True
    ):
        review.closed_at = timezone.now()
        review.reason = reason
        audit(review, reason="isf.agreement.review_closed_by_end")
        review.save(update_fields=["closed_at", "reason"])


# --- Reviews --------------------------------------------------------------------------------
def review_open(*, agreement: Agreement, by) -> AgreementReview:
    """A party's governance officer or approver opens a review of an active agreement. One
    review is open at a time (also a database constraint)."""
    with transaction.atomic():
        a = _locked(agreement)
        _require_manager(a, by)
        _require_active(a)
        if open_review(a) is not None:
            raise DomainError(_("A review of this agreement is already open."))
        ending = scheduled_termination(a)
        if ending is not None:
            raise DomainError(
                _("This agreement has been terminated from %(date)s: it cannot be reviewed.")
                % {"date": _date(ending.end_date)}
            )
        review = AgreementReview(agreement=a, opened_by=by)
        audit(review, reason="isf.agreement.review_opened", by=by)
        review.save()
        timeline_add(
            a,
            by=by,
            kind="review_opened",
            description=_("Review opened by %(name)s") % {"name": by.full_name},
        )
        _tell_update(a, message=_("a review has been opened"), exclude=by)
    return review


def _locked_open(review: AgreementReview, by) -> tuple[Agreement, AgreementReview]:
    """Lock the agreement, then the review (always in this order), and check both."""
    a = _locked(review.agreement_id)
    r = AgreementReview.objects.select_for_update().get(pk=review.pk)
    _require_manager(a, by)
    if r.closed_at is not None:
        raise DomainError(_("This review has already closed."))
    _require_active(a)
    return a, r


def _close(r: AgreementReview, *, by, outcome: str, reason: str = "", **fields) -> None:
    r.outcome = outcome
    r.reason = reason
    r.closed_by = by
    r.closed_at = timezone.now()
    for name, value in fields.items():
        setattr(r, name, value)
    audit(r, reason=f"isf.agreement.review_{outcome}", by=by)
    r.save()


def review_continue(
    *, review: AgreementReview, by, new_review_date: date, comment: str = ""
) -> Agreement:
    """The review ends in continue: the agreement stays in force with a new review date, in
    the future and no later than its end date. Reminders follow the new date."""
    with transaction.atomic():
        a, r = _locked_open(review, by)
        today = timezone.localdate()
        if new_review_date is None or new_review_date <= today:
            raise DomainError(_("The new review date must be in the future."))
        if a.end_date and new_review_date > a.end_date:
            raise DomainError(
                _("The new review date must be on or before the agreement's end date, %(date)s.")
                % {"date": _date(a.end_date)}
            )
        old = a.review_date
        _close(
            r,
            by=by,
            outcome=ReviewOutcome.CONTINUE,
            reason=comment.strip(),
            new_review_date=new_review_date,
        )
        a.review_date = new_review_date
        audit(a, reason="isf.agreement.review_continued", by=by)
        a.save(update_fields=["review_date"])
        if old:
            description = _(
                "Review closed: continue. Review date moved from %(old)s to %(new)s"
            ) % {"old": _date(old), "new": _date(new_review_date)}
        else:
            description = _("Review closed: continue. Next review on %(new)s") % {
                "new": _date(new_review_date)
            }
        timeline_add(a, by=by, kind="review_continued", description=description)
        _tell_update(
            a,
            message=_("reviewed, continues until the next review on %(date)s")
            % {"date": _date(new_review_date)},
            reason=comment.strip(),
            exclude=by,
        )
    return a


def review_vary(*, review: AgreementReview, by, reason: str) -> Agreement:
    """The review ends in vary: the agreement's proposal goes back to its authors as *changes
    requested*; the new version goes through review and signing again. The agreement stays in
    force until the new version is active, which then supersedes it (on_activated)."""
    from sharing_requests.choices import ProposalStatus
    from sharing_requests.review import proposal_send_back

    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say what needs to change"))
    with transaction.atomic():
        a, r = _locked_open(review, by)
        if a.proposal_id is None:
            raise DomainError(
                _(
                    "This agreement was signed outside the portal, so there is no proposal to "
                    "vary. Start a new proposal for the new version, or terminate this one."
                )
            )
        proposal = a.proposal
        in_preparation = (
            Agreement.objects.filter(proposal=proposal, status__in=IN_PREPARATION)
            .exclude(pk=a.pk)
            .first()
        )
        if in_preparation is not None or proposal.status != ProposalStatus.APPROVED:
            raise DomainError(
                _("A new version of %(ref)s is already being prepared.")
                % {"ref": proposal.reference}
            )
        _close(r, by=by, outcome=ReviewOutcome.VARY, reason=reason)
        proposal_send_back(
            proposal=proposal,
            by=by,
            reason=_("agreement %(ref)s is being varied: %(reason)s")
            % {"ref": a.reference, "reason": reason},
        )
        timeline_add(
            a,
            by=by,
            kind="review_varied",
            description=_(
                "Review closed: vary. Proposal %(proposal)s reopened for a new version: %(reason)s"
            )
            % {"proposal": proposal.reference, "reason": reason},
        )
        _tell_update(
            a,
            message=_("a new version is being prepared"),
            reason=reason,
            exclude=by,
        )
    return a


def review_terminate(*, review: AgreementReview, by, reason: str, end_date: date) -> Agreement:
    """The review ends in termination, with the reason and the date it ends. A date today or
    in the past ends it now; a later date leaves it in force until then (the daily task ends
    it on that date)."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Give the reason for ending the agreement"))
    if end_date is None:
        raise DomainError(_("Enter the date the agreement ends"))
    with transaction.atomic():
        a, r = _locked_open(review, by)
        if a.start_date and end_date < a.start_date:
            raise DomainError(
                _("The agreement cannot end before it started, on %(date)s.")
                % {"date": _date(a.start_date)}
            )
        if a.end_date and end_date > a.end_date:
            raise DomainError(
                _("The date must be on or before the agreement's end date, %(date)s.")
                % {"date": _date(a.end_date)}
            )
        _close(r, by=by, outcome=ReviewOutcome.TERMINATE, reason=reason, end_date=end_date)
        if end_date <= timezone.localdate():
            _terminate(a, by=by, reason=reason, end_date=end_date)
        else:
            a.end_date = end_date
            a.end_reason = reason
            audit(a, reason="isf.agreement.termination_scheduled", by=by)
            a.save(update_fields=["end_date", "end_reason"])
            timeline_add(
                a,
                by=by,
                kind="termination_scheduled",
                description=_("Review closed: terminate from %(date)s: %(reason)s")
                % {"date": _date(end_date), "reason": reason},
            )
            _tell_update(
                a,
                message=_("ends on %(date)s") % {"date": _date(end_date)},
                reason=reason,
                exclude=by,
            )
    return a


def _terminate(a: Agreement, *, by, reason: str, end_date: date) -> None:
    a.status = AgreementStatus.TERMINATED
    a.end_date = end_date
    a.end_reason = reason
    a.ended_at = timezone.now()
    audit(a, reason="isf.agreement.terminated", by=by)
    a.save(update_fields=["status", "end_date", "end_reason", "ended_at"])
    _close_open_reviews(a, reason=_("The agreement was terminated."))
    timeline_add(
        a,
        by=by,
        kind="terminated",
        description=_("Terminated from %(date)s: %(reason)s")
        % {"date": _date(end_date), "reason": reason},
    )
    _tell_update(a, message=_("terminated"), reason=reason, exclude=by)


# --- Activation of a new version ------------------------------------------------------------
def on_activated(agreement: Agreement, *, by=None) -> Agreement | None:
    """Call inside the transaction that makes `agreement` active.

    If it is a new version of an agreement still in force (its proposal was varied), link it
    to that agreement (`previous`) and mark the old one *superseded*. Returns the superseded
    agreement, or None. Idempotent: calling it twice changes nothing more."""
    with transaction.atomic():
        a = _locked(agreement)
        if a.previous_id is None:
            previous = previous_for(proposal=a.proposal, exclude=a) if a.proposal_id else None
            if previous is None:
                return None
            a.previous = previous
            audit(a, reason="isf.agreement.linked_to_previous", by=by)
            a.save(update_fields=["previous"])
        # The caller holds the same row in memory and may save it after this call.
        agreement.previous_id = a.previous_id
        old = _locked(a.previous_id)
        if old.status != AgreementStatus.ACTIVE:
            return None
        old.status = AgreementStatus.SUPERSEDED
        old.ended_at = timezone.now()
        old.end_reason = _("Replaced by %(ref)s") % {"ref": a.reference}
        audit(old, reason="isf.agreement.superseded", by=by)
        old.save(update_fields=["status", "ended_at", "end_reason"])
        _close_open_reviews(old, reason=_("A new version replaced the agreement."))
        timeline_add(
            old,
            by=by,
            kind="superseded",
            description=_("Superseded by the new version %(ref)s") % {"ref": a.reference},
        )
        timeline_add(
            a,
            by=by,
            kind="replaces",
            description=_("Replaces %(ref)s, now superseded") % {"ref": old.reference},
        )
    return old


# --- Daily work -----------------------------------------------------------------------------
def agreement_expire(*, agreement_id: int, today: date | None = None) -> bool:
    """An active agreement past its end date becomes *expired*. True if it changed."""
    today = today or timezone.localdate()
    with transaction.atomic():
        a = _locked(agreement_id)
        if a.status != AgreementStatus.ACTIVE or a.end_date is None or a.end_date >= today:
            return False
        a.status = AgreementStatus.EXPIRED
        a.ended_at = timezone.now()
        audit(a, reason="isf.agreement.expired")
        a.save(update_fields=["status", "ended_at"])
        _close_open_reviews(a, reason=_("The agreement expired."))
        timeline_add(
            a,
            by=None,
            kind="expired",
            description=_("Expired: its end date, %(date)s, has passed")
            % {"date": _date(a.end_date)},
        )
        _tell_update(a, message=_("expired"))
    return True


def agreement_end_as_scheduled(*, agreement_id: int, today: date | None = None) -> bool:
    """A termination decided at review takes effect on its date. True if it changed."""
    today = today or timezone.localdate()
    with transaction.atomic():
        a = _locked(agreement_id)
        ending = scheduled_termination(a)
        if ending is None or ending.end_date > today:
            return False
        # Decided at the review (on the timeline then); ended now by the daily task.
        _terminate(a, by=None, reason=ending.reason, end_date=ending.end_date)
    return True


def review_reminders(*, agreement_id: int, today: date | None = None) -> bool:
    """Remind the parties' governance officers of a review date 60 and 14 days ahead, once
    each per review date (LifecycleReminder). A run that missed a day catches up; when both
    are due at once, one reminder goes (the nearer) and both are recorded."""
    today = today or timezone.localdate()
    with transaction.atomic():
        a = _locked(agreement_id)
        if a.status != AgreementStatus.ACTIVE or a.review_date is None:
            return False
        remaining = (a.review_date - today).days
        due = [days for days in REMINDER_DAYS if 0 < remaining <= days]
        if not due:
            return False
        send = False
        for days in due:
            _row, created = LifecycleReminder.objects.get_or_create(
                agreement=a, days_before=days, review_date=a.review_date
            )
            if days == min(due):
                send = created
        if not send:
            return False
        timeline_add(
            a,
            by=None,
            kind="review_reminder",
            description=_("Review reminder sent: the review is due on %(date)s")
            % {"date": _date(a.review_date)},
        )
        tell_parties(
            a,
            kind=NotificationKind.REMINDER,
            title=_("Review due on %(date)s: %(ref)s %(title)s")
            % {"date": _date(a.review_date), "ref": a.reference, "title": a.title},
            template="agreement_review_reminder",
            context={"days": remaining},
        )
    return True


def lifecycle_daily(*, today: date | None = None) -> dict:
    """Scheduled terminations, expiry and review reminders. Idempotent: run twice on a day,
    the second run finds nothing to do."""
    today = today or timezone.localdate()
    counts = {"terminated": 0, "expired": 0, "reminders": 0}
    ending = (
        Agreement.objects.filter(
            status=AgreementStatus.ACTIVE,
            reviews__outcome=ReviewOutcome.TERMINATE,
            reviews__end_date__lte=today,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    for pk in list(ending):
        counts["terminated"] += agreement_end_as_scheduled(agreement_id=pk, today=today)
    past_end = Agreement.objects.filter(status=AgreementStatus.ACTIVE, end_date__lt=today)
    for pk in list(past_end.values_list("pk", flat=True)):
        counts["expired"] += agreement_expire(agreement_id=pk, today=today)
    window = Agreement.objects.filter(
        status=AgreementStatus.ACTIVE,
        review_date__gt=today,
        review_date__lte=today + timedelta(days=max(REMINDER_DAYS)),
    )
    for pk in list(window.values_list("pk", flat=True)):
        counts["reminders"] += review_reminders(agreement_id=pk, today=today)
    return counts
