"""Record background work so that it is not lost when the broker is away, and hand it over.

Work is written as an OutboxTask row in the caller's transaction, naming the task by the task
object itself (`outbox_enqueue(task=seal, kwargs={...})`), and handed to the broker after
commit: the rows one transaction commits go over one connection (broker.py). A row the broker
did not take stays pending, with the reason in `last_error`, and the periodic redispatch hands
it over again. A row whose own work keeps failing goes *dead* after `OUTBOX_MAX_ATTEMPTS`
tries; the admin lists dead rows and can retry them. Done rows are purged after
`OUTBOX_RETENTION_DAYS`.
"""

import logging
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.celery import app as celery_app
from isf_portal.domain import DomainError

from .base import OutboxBackedTask
from .broker import BROKER_ERRORS, broker_batch, current_batch
from .models import OutboxTask

logger = logging.getLogger(__name__)

Status = OutboxTask.Status

# The outbox rows this thread has created since one of its after-commit hooks last ran
# (threads, as Django's database connections are per thread).
_committing = threading.local()


def outbox_enqueue(*, task: OutboxBackedTask, kwargs: dict) -> OutboxTask:
    """Record work for `task` (a task declared with base=OutboxBackedTask) in this
    transaction; hand it to the broker after commit."""
    if not isinstance(task, OutboxBackedTask):
        # Its worker would be handed an `outbox_id` it does not take, and never mark it done.
        raise TypeError(f"{task!r} is not fed from the outbox (base=OutboxBackedTask)")
    row = OutboxTask.objects.create(task_name=task.name, kwargs=kwargs)
    if celery_app.conf.task_always_eager:
        # Tasks run inline: one at a time, in the order the hooks run. No broker to share.
        transaction.on_commit(lambda: outbox_dispatch(outbox_id=row.pk))
        return row
    rows = getattr(_committing, "rows", None)
    if rows is None:
        rows = _committing.rows = []
    rows.append(row)
    # Each row gets its own hook, so that a row created in a savepoint rolled back (whose hook
    # Django discards) does not take the others' with it; the first hook to run sends them all.
    transaction.on_commit(lambda: _dispatch_committed(rows))
    return row


def _dispatch_committed(rows: list[OutboxTask]) -> None:
    """Hand over every row of this commit over one connection; the later hooks find none left.

    The rows are not read back: this thread has just written them, never handed over. Each
    is claimed by an UPDATE that finds it only while still pending and not handed over (the
    redispatch task may have taken it since the commit). After a rollback the list may still
    hold rows that were never committed: the claim finds none of them, and they are skipped."""
    if getattr(_committing, "rows", None) is rows:
        _committing.rows = None  # rows created from now on belong to another commit
    pending, rows[:] = list(rows), []
    if pending:
        with broker_batch(use_breaker=True) as batch:
            for row in pending:
                _hand_over(batch, row, fresh=True)


def outbox_dispatch_many(*, outbox_ids: Iterable[int], use_breaker: bool = False) -> int:
    """Hand several outbox rows to the broker over one connection; return how many it took.

    Never raises for the broker: a row it did not take stays pending, with the reason in
    `last_error`. After a broker failure the remaining rows are skipped. `use_breaker` (the
    after-commit path) also skips every row while the breaker is open; without it (the
    redispatch task, the way back) the broker is tried first whatever the breaker says, and a
    success closes the breaker.
    """
    with broker_batch(use_breaker=use_breaker):
        # Row by row through outbox_dispatch (and _hand_over, the one place that hands a row
        # over).
        return sum(1 for pk in outbox_ids if outbox_dispatch(outbox_id=pk))


def outbox_dispatch(*, outbox_id: int) -> bool:
    """Hand one pending outbox row to its task through the broker. Never raises: a failure
    leaves the row pending (or dead, once its own work has failed too often).

    Called on its own it tries the broker now, whatever the breaker says; within
    outbox_dispatch_many it shares that call's connection and breaker policy.

    Attempts count every try, but only a failure that is the work's own moves the row to
    dead: one handed over `OUTBOX_MAX_ATTEMPTS` times that no worker finished, or one the
    task registry or the task refused that often. A broker outage never kills work."""
    batch = current_batch()
    if batch is None:
        return outbox_dispatch_many(outbox_ids=[outbox_id]) == 1

    row = OutboxTask.objects.filter(pk=outbox_id, status=Status.PENDING).first()
    if row is None:
        return False
    cap = settings.OUTBOX_MAX_ATTEMPTS
    if row.dispatched_at is not None and row.dispatch_attempts >= cap:
        _give_up(
            row, attempts=row.dispatch_attempts, error=row.last_error or _("No worker finished it.")
        )
        return False
    return _hand_over(batch, row)


def _hand_over(batch, row: OutboxTask, *, fresh: bool = False) -> bool:
    """Hand `row` (pending, its attempts under the cap) to the broker within `batch`. `fresh`:
    a row just committed by this thread and not read back (_dispatch_committed), handed over
    only if its claim finds it still pending and not handed over."""
    app = batch.app
    eager = app.conf.task_always_eager
    if not eager and (reason := batch.skip_reason()):
        logger.debug("Outbox task %s not dispatched: %s", row.pk, reason)
        OutboxTask.objects.filter(pk=row.pk).update(dispatched_at=None, last_error=reason)
        return False

    claim = OutboxTask.objects.filter(pk=row.pk)
    if fresh:
        claim = claim.filter(status=Status.PENDING, dispatched_at__isnull=True)
    # A successful handover clears the error of an earlier try: last_error says what is wrong now.
    claimed = claim.update(
        dispatch_attempts=F("dispatch_attempts") + 1, dispatched_at=timezone.now(), last_error=""
    )
    if not claimed and fresh:
        return False
    try:
        if row.task_name not in app.tasks:
            # Celery imports the apps' tasks modules only when a worker starts; a web process
            # (or a test) looking a task up by name must import them first.
            app.loader.import_default_modules()
        task = app.tasks[row.task_name]
        kwargs = {**row.kwargs, "outbox_id": row.pk}
        if eager:
            task.apply_async(kwargs=kwargs)
        else:
            batch.publish(task, kwargs)
    except Exception as exc:  # the broker is away, or the task unknown or refusing: later
        error = str(exc)[:2000]
        OutboxTask.objects.filter(pk=row.pk).update(dispatched_at=None, last_error=error)
        if not eager and isinstance(exc, BROKER_ERRORS):
            batch.failure(error)
        elif row.dispatch_attempts + 1 >= settings.OUTBOX_MAX_ATTEMPTS:
            _give_up(row, attempts=row.dispatch_attempts + 1, error=error)
        else:
            logger.warning("Outbox task %s not dispatched: %s", row.pk, exc)
        return False
    if not eager:
        batch.success()
    return True


def outbox_redispatch_claimed(*, before: datetime, limit: int = 500) -> int:
    """Hand over again, now, the work a worker that has stopped had taken: the pending rows
    handed to the broker before `before` (when that worker stopped). Return how many the
    broker took; each goes once (its handover moves dispatched_at past `before`, so a second
    call finds it no more). Done, dead and never-handed-over rows are left alone.

    Only for a caller that knows no live worker holds work handed over before `before`:
    `make run`'s runner (scripts/run_embedded.py), whose one worker has died, calls it as it
    starts the next. With several workers (production) a row handed over before one died may
    be another's, so there the periodic redispatch waits OUTBOX_REDISPATCH_AFTER instead. A
    row still waiting in the queue goes twice; the second run finds it done and does nothing
    (OutboxBackedTask)."""
    claimed = list(
        OutboxTask.objects.filter(status=Status.PENDING, dispatched_at__lt=before)
        .order_by("dispatched_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    handed = outbox_dispatch_many(outbox_ids=claimed) if claimed else 0
    logger.warning(
        "Outbox: %d of %d task(s) a stopped worker had taken (handed over before %s) handed "
        "over again",
        handed,
        len(claimed),
        before.isoformat(),
    )
    return handed


def _give_up(row: OutboxTask, *, attempts: int, error: str) -> None:
    """The row's own work failed too often: stop handing it over (the admin can retry it)."""
    OutboxTask.objects.filter(pk=row.pk, status=Status.PENDING).update(
        status=Status.DEAD, last_error=error
    )
    logger.error(
        "Outbox task %s (%s) is dead after %d attempts: %s", row.pk, row.task_name, attempts, error
    )


@transaction.atomic
def outbox_retry(*, outbox_task: OutboxTask, by) -> OutboxTask:
    """Dead -> pending: start the row's attempts afresh and hand it over after commit."""
    row = OutboxTask.objects.select_for_update().get(pk=outbox_task.pk)
    if row.status != Status.DEAD:
        raise DomainError(_("Only dead work can be retried."))
    row.status = Status.PENDING
    row.dispatch_attempts = 0
    row.dispatched_at = None
    row.save(update_fields=["status", "dispatch_attempts", "dispatched_at"])
    logger.info("Outbox task %s (%s) retried by %s", row.pk, row.task_name, by)
    transaction.on_commit(lambda: outbox_dispatch(outbox_id=row.pk), robust=True)
    return row


def outbox_purge() -> int:
    """Delete the rows done more than OUTBOX_RETENTION_DAYS ago; return how many. Dead and
    pending rows are kept whatever their age."""
    cutoff = timezone.now() - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    deleted, _by_model = OutboxTask.objects.filter(
        status=Status.DONE, completed_at__lt=cutoff
    ).delete()
    return deleted
