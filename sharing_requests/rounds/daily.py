"""The decision rounds' daily work: reminders to organisations that have not decided,
escalation to the steering group's chair, and steering votes that close at their deadline."""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import NotificationKind
from notifications.services import notify
from organisations.models import SteeringGroupMember

from ..events import proposal_locked
from ..models import DecisionStatus, ReminderLog, ReviewRound
from ..workdays import is_working_day, working_days_between
from .access import approvers_by_organisation
from .rounds import round_evaluate, round_url
from .rule import RoundRule


def review_daily(*, today=None) -> dict:
    """Reminders, escalations and steering votes that close at their deadline.

    Idempotent: ReminderLog makes sure nobody hears twice about the same step on one day.
    Runs on working days only, so a weekend never repeats Friday's reminders."""
    today = today or timezone.localdate()
    counts = {"reminders": 0, "escalations": 0, "closed": 0}
    if not is_working_day(today):
        return counts
    every = settings.REVIEW_REMINDER_WORKING_DAYS
    escalate_after = settings.REVIEW_ESCALATION_WORKING_DAYS
    chair = SteeringGroupMember.objects.filter(is_chair=True).select_related("user").first()
    open_rounds = ReviewRound.objects.filter(closed_at__isnull=True).select_related(
        "proposal", "proposal__lead_organisation"
    )
    for review in open_rounds:
        days = working_days_between(timezone.localdate(review.opened_at), today)
        pending = list(
            review.decisions.filter(status=DecisionStatus.PENDING).select_related("organisation")
        )
        remind = pending if days >= every and days % every == 0 else []
        approvers = approvers_by_organisation([d.organisation_id for d in remind])
        for d in remind:
            for user in approvers[d.organisation_id]:
                if user.pk == review.proposal.submitted_by_id:
                    continue
                # The log row and the reminder commit together: a reminder that fails is
                # not recorded as sent, so the next run sends it.
                with transaction.atomic():
                    if not _log_once(d, user, "reminder", today):
                        continue
                    notify(
                        user=user,
                        kind=NotificationKind.REMINDER,
                        title=_("Reminder: your decision on %(ref)s is waiting")
                        % {"ref": review.proposal.reference},
                        url=round_url(review.proposal),
                        template="review_reminder",
                        context={
                            "proposal": review.proposal,
                            "days": days,
                            "organisation": d.organisation,
                        },
                        cc=[d.organisation.ig_mailbox],
                    )
                counts["reminders"] += 1
        due = days >= escalate_after and (days - escalate_after) % every == 0
        if due and chair:
            with transaction.atomic():
                overdue = [
                    d.organisation for d in pending if _log_once(d, chair.user, "escalation", today)
                ]
                if overdue:
                    notify(
                        user=chair.user,
                        kind=NotificationKind.ESCALATION,
                        title=_("Overdue decisions on %(ref)s")
                        % {"ref": review.proposal.reference},
                        url=round_url(review.proposal),
                        template="review_escalation",
                        context={"proposal": review.proposal, "days": days, "overdue": overdue},
                    )
                    counts["escalations"] += 1
        vote_open = (
            RoundRule.from_stored(review.rule).steering_vote_required
            and not review.steering_outcome
        )
        if vote_open and today >= review.deadline:
            with transaction.atomic():
                p = proposal_locked(review.proposal_id)
                round_evaluate(review, p, at_deadline=True)
                review.refresh_from_db()
                counts["closed"] += bool(review.steering_outcome)
    return counts


def _log_once(decision, user, kind, today) -> bool:
    _row, created = ReminderLog.objects.get_or_create(
        decision=decision, user=user, kind=kind, sent_on=today
    )
    return created
