"""The outbox's way to the broker: the rows one transaction commits share one connection (kept
for the next commits), and after a broker failure a circuit breaker skips the broker for a
cool-down, leaving the rows pending (with the reason) for the redispatch task, which always
tries and so closes it.

Celery is not eager here: it publishes to its in-memory broker (the test settings' memory://),
through a counting stand-in for `connection_for_write` that can also refuse, as a Redis that is
down would. Nothing consumes the messages: a row handed over stays dispatched, not completed.
"""

import logging
import threading
import time

import pytest
from django.db import transaction

from isf_portal.celery import app
from notifications.tasks import send_email
from outbox import broker as outbox_broker
from outbox.broker import broker_breaker
from outbox.models import OutboxTask
from outbox.services import outbox_dispatch, outbox_dispatch_many, outbox_enqueue
from outbox.tasks import redispatch

pytestmark = pytest.mark.django_db

SEND_EMAIL = send_email.name
SKIPPED = "Broker unavailable; skipped for cool-down"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Create `n` outbox rows in one transaction and run its on-commit hooks; return them."""

    def commit(n: int) -> list[OutboxTask]:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            rows = [
                outbox_enqueue(task=send_email, kwargs={"email_id": 1000 + i}) for i in range(n)
            ]
        return [OutboxTask.objects.get(pk=row.pk) for row in rows]

    return commit


def handed_over(row: OutboxTask) -> bool:
    """The broker took it (which clears the error of an earlier try)."""
    return row.dispatched_at is not None and row.dispatch_attempts >= 1 and not row.last_error


def broker_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith("Broker unavail")]


# --- One connection per commit --------------------------------------------------------------
def test_the_rows_of_one_commit_go_over_one_connection(broker, commit):
    rows = commit(5)

    assert broker.opened == 1
    assert all(handed_over(row) and row.dispatch_attempts == 1 for row in rows)
    assert not any(row.last_error for row in rows)
    assert broker.queued() == 5


def test_later_commits_reuse_the_connection_the_first_opened(broker, commit):
    commit(2)
    commit(3)

    assert broker.opened == 1
    assert broker.queued() == 5


def test_a_kept_connection_that_went_stale_is_replaced_not_counted_as_a_broker_failure(
    broker, commit, caplog
):
    commit(1)
    broken = []

    def stale(*args, **kwargs):
        broken.append(1)
        raise ConnectionResetError("connection reset by peer")

    outbox_broker._kept.connection.default_channel.basic_publish = stale
    rows = commit(2)

    assert broken == [1]
    assert broker.opened == 2  # the first, and the fresh one that replaced it
    assert all(handed_over(row) for row in rows)
    assert broker_warnings(caplog) == []
    assert broker.queued() == 3


def test_a_row_rolled_back_with_its_savepoint_is_not_sent_and_the_others_are(
    broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        kept = outbox_enqueue(task=send_email, kwargs={"email_id": 1})
        try:
            with transaction.atomic():
                outbox_enqueue(task=send_email, kwargs={"email_id": 2})
                raise RuntimeError("the form was invalid after all")
        except RuntimeError:
            pass
        later = outbox_enqueue(task=send_email, kwargs={"email_id": 3})

    assert list(OutboxTask.objects.order_by("pk").values_list("pk", flat=True)) == [
        kept.pk,
        later.pk,
    ]
    assert all(handed_over(row) for row in OutboxTask.objects.all())
    assert broker.queued() == 2


def test_a_row_the_redispatch_took_before_its_commit_hook_ran_is_not_handed_over_twice(
    broker, django_capture_on_commit_callbacks
):
    # The hook does not read its rows back: its claim finds this one handed over already.
    with django_capture_on_commit_callbacks(execute=False) as hooks, transaction.atomic():
        row = outbox_enqueue(task=send_email, kwargs={"email_id": 1})
    assert redispatch() == 1
    for hook in hooks:
        hook()

    row.refresh_from_db()
    assert handed_over(row) and row.dispatch_attempts == 1
    assert broker.queued() == 1


def test_the_redispatch_hands_over_everything_pending_over_one_connection(broker):
    for i in range(4):  # recorded while nothing dispatched them
        OutboxTask.objects.create(task_name=SEND_EMAIL, kwargs={"email_id": i})

    assert redispatch() == 4
    assert broker.opened == 1
    assert all(handed_over(row) for row in OutboxTask.objects.all())


# --- The breaker ----------------------------------------------------------------------------
def test_a_broker_failure_opens_the_breaker_and_the_rest_of_the_commit_waits(
    broker, commit, caplog
):
    broker.refusing = True
    first, *rest = commit(4)

    assert broker.opened == 1  # one try, not one per row
    assert (first.dispatch_attempts, first.dispatched_at) == (1, None)
    assert "broker is down" in first.last_error
    for row in rest:
        assert (row.dispatch_attempts, row.dispatched_at, row.completed_at) == (0, None, None)
        assert row.last_error.startswith(SKIPPED)
        assert "broker is down" in row.last_error  # what the admin sees: why, and after what
    assert len(broker_warnings(caplog)) == 1


def test_while_the_breaker_is_open_later_commits_do_not_try_the_broker(broker, commit, caplog):
    broker.refusing = True
    commit(1)
    broker.refusing = False  # back already, but the cool-down is not over

    rows = commit(3)

    assert broker.opened == 1
    assert all(row.dispatch_attempts == 0 and row.last_error.startswith(SKIPPED) for row in rows)
    assert all(row.dispatched_at is None for row in rows)  # so the redispatch takes them
    assert len(broker_warnings(caplog)) == 1  # logged when it opened, not per row


def test_after_the_cool_down_the_broker_is_tried_again(broker, commit, settings, caplog):
    settings.OUTBOX_BROKER_COOLDOWN = 0.2
    broker.refusing = True
    commit(1)
    time.sleep(0.25)

    commit(1)  # still down: tried once more, and the breaker opens again
    assert broker.opened == 2
    assert len(broker_warnings(caplog)) == 2
    time.sleep(0.25)

    broker.refusing = False
    rows = commit(2)
    assert broker.opened == 3
    assert all(handed_over(row) for row in rows)


def test_the_redispatch_tries_while_the_breaker_is_open_and_its_success_closes_it(
    broker, commit, caplog
):
    broker.refusing = True
    waiting = commit(3)
    broker.refusing = False  # the broker is back within the cool-down

    with caplog.at_level(logging.INFO, logger="outbox.broker"):
        assert redispatch() == 3
    assert all(handed_over(OutboxTask.objects.get(pk=row.pk)) for row in waiting[1:])
    assert "Broker reachable again" in caplog.text

    rows = commit(2)  # closed: the next request hands its rows over at once
    assert all(handed_over(row) for row in rows)
    assert broker.opened == 2  # the failed commit, the redispatch (whose connection is kept)


def test_the_redispatch_stops_at_the_first_broker_failure(broker):
    for i in range(5):
        OutboxTask.objects.create(task_name=SEND_EMAIL, kwargs={"email_id": i})
    broker.refusing = True

    assert redispatch() == 0

    assert broker.opened == 1
    rows = OutboxTask.objects.order_by("pk")
    assert [row.dispatch_attempts for row in rows] == [1, 0, 0, 0, 0]
    assert all(row.last_error.startswith(SKIPPED) for row in rows[1:])
    assert not rows.filter(dispatched_at__isnull=False).exists()


def test_dispatching_one_row_by_hand_tries_the_broker_whatever_the_breaker_says(broker, commit):
    broker.refusing = True
    _first, second = commit(2)
    broker.refusing = False

    assert outbox_dispatch(outbox_id=second.pk) is True
    assert handed_over(OutboxTask.objects.get(pk=second.pk))


def test_a_task_that_is_not_a_broker_error_does_not_open_the_breaker(broker, commit, caplog):
    with transaction.atomic():
        unknown = OutboxTask.objects.create(task_name="notifications.no_such_task", kwargs={})
        known = OutboxTask.objects.create(task_name=SEND_EMAIL, kwargs={"email_id": 1})

    assert outbox_dispatch_many(outbox_ids=[unknown.pk, known.pk], use_breaker=True) == 1

    unknown.refresh_from_db()
    assert "no_such_task" in unknown.last_error and unknown.dispatched_at is None
    assert handed_over(OutboxTask.objects.get(pk=known.pk))
    assert broker_warnings(caplog) == []
    assert all(handed_over(row) for row in commit(1))


def test_the_breaker_holds_only_for_the_broker_that_failed(broker, commit):
    broker.refusing = True
    commit(1)
    broker.refusing = False
    saved = app.conf.broker_url
    app.conf.broker_url = "memory://another/"
    try:
        rows = commit(1)
    finally:
        app.conf.broker_url = saved

    assert all(handed_over(row) for row in rows)


def test_the_breaker_opens_once_when_threads_fail_together(caplog):
    start = threading.Barrier(8)

    def fail():
        start.wait()
        broker_breaker.trip("redis://broker/0", "Connection refused")

    threads = [threading.Thread(target=fail) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(broker_warnings(caplog)) == 1
    assert broker_breaker.open_error("redis://broker/0") == "Connection refused"
    assert broker_breaker.open_error("redis://other/0") == ""
