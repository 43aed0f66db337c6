"""The workflow's Celery tasks are idempotent: running any of them twice sends no second
e-mail and creates nothing twice."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail

from notifications.models import Email, Notification
from notifications.tasks import send_email
from outbox.models import OutboxTask
from outbox.tasks import redispatch
from sharing_requests.models import ReminderLog, ReviewRound
from sharing_requests.tasks import open_review_round, review_daily
from tests.workflow.conftest import current_round

LONDON = ZoneInfo("Europe/London")


def rows():
    return (
        ReviewRound.objects.count(),
        Notification.objects.count(),
        Email.objects.count(),
        OutboxTask.objects.count(),
        ReminderLog.objects.count(),
    )


def test_the_daily_task_run_twice_sends_nothing_twice(
    wf, complete_proposal, member_a, approver_a, approver_b, chair
):
    with time_machine.travel(datetime(2026, 12, 14, 9, tzinfo=LONDON), tick=False):
        wf.submit(complete_proposal, by=member_a)
    mail.outbox.clear()

    # Wednesday 30 December 2026: the 10th working day, a reminder and an escalation day.
    with time_machine.travel(datetime(2026, 12, 30, 7, tzinfo=LONDON), tick=False):
        first = wf.run(review_daily.delay).get()
        after_first, sent = rows(), len(mail.outbox)
        second = wf.run(review_daily.delay).get()

    assert first == {"reminders": 2, "escalations": 1, "closed": 0}
    assert second == {"reminders": 0, "escalations": 0, "closed": 0}
    assert sent == 3  # two approvers and the chair
    assert rows() == after_first
    assert len(mail.outbox) == sent


def test_the_round_opening_task_delivered_again_after_decisions_changes_nothing(
    wf, in_review, org_b, approver_b
):
    wf.decide(in_review, org_b, by=approver_b)
    before, sent = rows(), len(mail.outbox)
    decision = wf.decision(in_review, org_b)

    wf.run(open_review_round.delay, version_id=current_round(in_review).version_id)

    assert rows() == before
    assert len(mail.outbox) == sent
    decision.refresh_from_db()
    assert decision.status == "approved"  # the round was not reopened or reset


def test_an_email_task_delivered_twice_sends_once(wf, in_review, approver_b):
    email = Email.objects.get(recipient=approver_b)
    assert email.sent_at is not None
    sent = len(mail.outbox)

    wf.run(send_email.delay, email_id=email.pk)
    assert wf.run(redispatch) == 0

    assert len(mail.outbox) == sent
    email.refresh_from_db()
    assert email.attempts == 1


def test_a_daily_run_on_a_weekend_does_nothing(wf, complete_proposal, member_a, approver_b):
    with time_machine.travel(datetime(2026, 12, 14, 9, tzinfo=LONDON), tick=False):
        wf.submit(complete_proposal, by=member_a)
    before = rows()
    for day in (date(2026, 12, 19), date(2026, 12, 20)):
        assert wf.daily(today=day) == {"reminders": 0, "escalations": 0, "closed": 0}
    assert rows() == before
