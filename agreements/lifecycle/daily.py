"""The daily work on Celery beat: scheduled terminations, expiry and review-date reminders."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.domain import audit
from notifications.models import NotificationKind

from ..events import agreement_locked, timeline_add
from ..models import Agreement, AgreementStatus, LifecycleReminder
from ..notices import tell_parties, tell_update
from .common import (
    REMINDER_DAYS,
    _close_open_reviews,
    _date,
    scheduled_termination,
)
from .reviews import _terminate


# --- Daily work -----------------------------------------------------------------------------
def agreement_expire(*, agreement_id: int, today: date | None = None) -> bool:
    """An active agreement past its end date becomes *expired*. True if it changed."""
    today = today or timezone.localdate()
    with transaction.atomic():
        a = agreement_locked(agreement_id)
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
        tell_update(a, message=_("expired"))
    return True


def agreement_end_as_scheduled(*, agreement_id: int, today: date | None = None) -> bool:
    """A termination decided at review takes effect on its date. True if it changed."""
    today = today or timezone.localdate()
    with transaction.atomic():
        a = agreement_locked(agreement_id)
        ending = scheduled_termination(a)
        if ending is None or ending > today:
            return False
        # Agreed by every party (on the timeline then); ended now by the daily task.
        _terminate(a, by=None, reason=a.end_reason, end_date=ending)
    return True


def agreement_review_reminders(*, agreement_id: int, today: date | None = None) -> bool:
    """Remind the parties' governance officers of a review date 60 and 14 days ahead, once
    each per review date (LifecycleReminder). A run that missed a day catches up; when both
    are due at once, one reminder goes (the nearer) and both are recorded."""
    today = today or timezone.localdate()
    with transaction.atomic():
        a = agreement_locked(agreement_id)
        if a.status != AgreementStatus.ACTIVE or a.review_date is None:
            return False
        if a.end_date and a.review_date > a.end_date:
            return False  # it ends before then: no review is due
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
    ending = Agreement.objects.filter(
        status=AgreementStatus.ACTIVE, terminates_on__lte=today
    ).values_list("pk", flat=True)
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
        counts["reminders"] += agreement_review_reminders(agreement_id=pk, today=today)
    return counts
