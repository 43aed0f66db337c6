"""`make run`'s worker died: the outbox work it had taken is handed over again at once, and
once (outbox_redispatch_claimed and its command); work already done is never redone."""

import io
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from notifications.models import Email
from notifications.tasks import send_email
from outbox.models import OutboxTask
from outbox.services import outbox_redispatch_claimed

pytestmark = pytest.mark.django_db

Status = OutboxTask.Status


def a_row(*, status=Status.PENDING, dispatched_at=None, attempts=0) -> OutboxTask:
    return OutboxTask.objects.create(
        task_name=send_email.name,
        kwargs={"email_id": 1},
        status=status,
        dispatched_at=dispatched_at,
        dispatch_attempts=attempts,
    )


def fresh(row: OutboxTask) -> OutboxTask:
    return OutboxTask.objects.get(pk=row.pk)


def test_only_work_handed_over_before_the_worker_stopped_and_not_done_goes_again_once(
    broker, caplog
):
    stopped = timezone.now()
    earlier = stopped - timedelta(seconds=5)
    claimed = [a_row(dispatched_at=earlier, attempts=1), a_row(dispatched_at=earlier, attempts=2)]
    done = a_row(status=Status.DONE, dispatched_at=earlier, attempts=1)
    dead = a_row(status=Status.DEAD, dispatched_at=earlier, attempts=10)
    never_handed_over = a_row()  # the periodic redispatch's, not a worker's
    after = a_row(dispatched_at=stopped + timedelta(seconds=1), attempts=1)  # the new worker's
    untouched = {row.pk: fresh(row) for row in (done, dead, never_handed_over, after)}

    with caplog.at_level(logging.WARNING, logger="outbox.services"):
        assert outbox_redispatch_claimed(before=stopped) == 2

    assert broker.queued() == 2
    for row, attempts in zip(claimed, (2, 3), strict=True):
        row = fresh(row)
        assert (row.status, row.dispatch_attempts) == (Status.PENDING, attempts)
        assert row.dispatched_at > stopped
    for pk, before in untouched.items():
        row = OutboxTask.objects.get(pk=pk)
        assert (row.status, row.dispatched_at, row.dispatch_attempts) == (
            before.status,
            before.dispatched_at,
            before.dispatch_attempts,
        )
    assert any(
        "2 of 2 task(s) a stopped worker had taken" in r.getMessage() for r in caplog.records
    )

    # Called again for the same death: each went once.
    assert outbox_redispatch_claimed(before=stopped) == 0
    assert broker.queued() == 2
    assert [fresh(row).dispatch_attempts for row in claimed] == [2, 3]


def test_the_command_says_how_many_it_handed_over(broker):
    row = a_row(dispatched_at=timezone.now() - timedelta(seconds=3), attempts=1)
    out = io.StringIO()

    call_command("outbox_redispatch_claimed", f"--before={timezone.now().isoformat()}", stdout=out)

    assert "Outbox: 1 task(s) the stopped worker had taken handed over again." in out.getvalue()
    assert fresh(row).dispatch_attempts == 2
    assert broker.queued() == 1


@pytest.mark.parametrize("value", ["yesterday", "2026-11-26T12:00:00"])
def test_the_command_refuses_a_time_it_cannot_place(value, broker):
    row = a_row(dispatched_at=timezone.now() - timedelta(days=2), attempts=1)

    with pytest.raises(CommandError, match="--before"):
        call_command("outbox_redispatch_claimed", f"--before={value}")

    assert fresh(row).dispatch_attempts == 1
    assert broker.queued() == 0


def test_a_second_message_for_work_already_done_does_nothing():
    # The first copy was still in the queue when the work was handed over again, and ran.
    email = Email.objects.create(
        to="once@example.org", subject="Hello", body_text="Hello", body_html="<p>Hello</p>"
    )
    row = OutboxTask.objects.create(
        task_name=send_email.name, kwargs={"email_id": email.pk}, status=Status.DONE
    )

    send_email.apply(kwargs={"email_id": email.pk, "outbox_id": row.pk})

    assert mail.outbox == []
    email.refresh_from_db()
    assert (email.sent_at, email.attempts) == (None, 0)
    assert fresh(row).status == Status.DONE
