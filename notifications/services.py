"""Queue e-mail and background work so that neither is lost when the broker is away.

Work is first written as an OutboxTask row in the caller's transaction and handed to the
broker after commit. The rows one transaction commits go over one broker connection. When the
broker fails, a circuit breaker stops this process trying it for a cool-down
(`OUTBOX_BROKER_COOLDOWN` seconds, 30 by default): the rows stay pending, with the reason in
`last_error`, and the periodic `outbox_redispatch` task (which always tries) hands them over
once the broker is back. So a request that notifies many people waits for at most one broker
timeout, not one per row.
"""

import logging
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from kombu.exceptions import OperationalError

from .models import Email, OutboxTask

logger = logging.getLogger(__name__)

# What a broker that is down, hung or refusing raises: kombu wraps the transport's errors in
# OperationalError; a connection that cannot even be made raises OSError.
BROKER_ERRORS = (OperationalError, OSError)


class BrokerBreaker:
    """After a broker failure, skip the broker for a cool-down instead of waiting on it again.

    Shared by the threads of a process, hence the lock. It remembers which broker failed, so a
    process pointed at another broker (as the integration tests do) starts afresh.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._broker = ""
        self._open_until = 0.0  # time.monotonic(); 0 when closed
        self._error = ""

    def open_error(self, broker: str) -> str:
        """The error that opened the breaker for `broker`, or "" if the broker may be tried."""
        with self._lock:
            if broker == self._broker and time.monotonic() < self._open_until:
                return self._error
        return ""

    def trip(self, broker: str, error: str) -> None:
        """The broker failed: open (or keep open) for a cool-down from now."""
        cooldown = settings.OUTBOX_BROKER_COOLDOWN
        now = time.monotonic()
        with self._lock:
            opening = broker != self._broker or now >= self._open_until
            self._broker, self._open_until, self._error = broker, now + cooldown, error
        if opening:  # once per opening, not once per row
            logger.warning(
                "Broker unavailable (%s): outbox dispatch paused for %.0f s; pending work waits "
                "for the redispatch task",
                error,
                cooldown,
            )

    def close(self, broker: str) -> None:
        """The broker took a task: stop skipping it."""
        with self._lock:
            if broker != self._broker or not self._open_until:
                return
            self._broker, self._open_until, self._error = "", 0.0, ""
        logger.info("Broker reachable again: outbox dispatch resumed")

    def reset(self) -> None:
        """Forget any failure (for tests)."""
        with self._lock:
            self._broker, self._open_until, self._error = "", 0.0, ""


broker_breaker = BrokerBreaker()


class _BrokerBatch:
    """Rows handed to the broker together: one connection, opened when first needed."""

    def __init__(self, *, app, use_breaker: bool) -> None:
        self.app = app
        self.broker = str(app.conf.broker_url)
        self.use_breaker = use_breaker
        self.failed = False
        self._connection = None

    def skip_reason(self) -> str:
        """Why this row should not try the broker now, or "" if it should.

        A batch that is not held by the breaker (the redispatch task) still tries only until
        its first broker failure: waiting a timeout per row is what the breaker is there to
        avoid."""
        if not self.use_breaker and not self.failed:
            return ""
        error = broker_breaker.open_error(self.broker)
        return error and f"Broker unavailable; skipped for cool-down (after: {error})"

    def connection(self):
        if self._connection is None:
            # Bounded timeouts and no retry loop (retry=False when publishing): the outbox retries.
            self._connection = self.app.connection_for_write()
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.release()


# The batch the rows being dispatched belong to (None outside outbox_dispatch_many).
_batch: ContextVar[_BrokerBatch | None] = ContextVar("outbox_batch", default=None)


@contextmanager
def _broker_batch(*, use_breaker: bool) -> Iterator[_BrokerBatch]:
    from isf_portal.celery import app

    batch = _BrokerBatch(app=app, use_breaker=use_breaker)
    token = _batch.set(batch)
    try:
        yield batch
    finally:
        _batch.reset(token)
        batch.close()


# The ids of the outbox rows this thread has created since one of its after-commit hooks last
# ran (threads, as Django's database connections are per thread).
_committing = threading.local()


def outbox_enqueue(*, task_name: str, kwargs: dict) -> OutboxTask:
    """Record background work in this transaction; hand it to the broker after commit."""
    from isf_portal.celery import app

    row = OutboxTask.objects.create(task_name=task_name, kwargs=kwargs)
    if app.conf.task_always_eager:
        # Tasks run inline: one at a time, in the order the hooks run. No broker to share.
        transaction.on_commit(lambda: outbox_dispatch(outbox_id=row.pk))
        return row
    ids = getattr(_committing, "ids", None)
    if ids is None:
        ids = _committing.ids = []
    ids.append(row.pk)
    # Each row gets its own hook, so that a row created in a savepoint rolled back (whose hook
    # Django discards) does not take the others' with it; the first hook to run sends them all.
    transaction.on_commit(lambda: _dispatch_committed(ids))
    return row


def _dispatch_committed(ids: list[int]) -> None:
    """Hand over every row of this commit over one connection; the later hooks find none left.

    After a rollback the list may still hold rows that were never committed: they are not
    found, and skipped."""
    if getattr(_committing, "ids", None) is ids:
        _committing.ids = None  # rows created from now on belong to another commit
    pending, ids[:] = list(ids), []
    if pending:
        outbox_dispatch_many(outbox_ids=pending, use_breaker=True)


def outbox_dispatch_many(*, outbox_ids: Iterable[int], use_breaker: bool = False) -> int:
    """Hand several outbox rows to the broker over one connection; return how many it took.

    Never raises for the broker: a row it did not take stays pending, with the reason in
    `last_error`. After a broker failure the remaining rows are skipped. `use_breaker` (the
    after-commit path) also skips every row while the breaker is open; without it (the
    redispatch task, the way back) the broker is tried first whatever the breaker says, and a
    success closes the breaker.
    """
    with _broker_batch(use_breaker=use_breaker):
        # Row by row through outbox_dispatch, the one place that hands a row over.
        return sum(1 for pk in outbox_ids if outbox_dispatch(outbox_id=pk))


def outbox_dispatch(*, outbox_id: int) -> bool:
    """Hand one outbox row to the broker. Never raises: a failure leaves the row pending.

    Called on its own it tries the broker now, whatever the breaker says; within
    outbox_dispatch_many it shares that call's connection and breaker policy."""
    batch = _batch.get()
    if batch is None:
        return outbox_dispatch_many(outbox_ids=[outbox_id]) == 1

    row = OutboxTask.objects.filter(pk=outbox_id, completed_at__isnull=True).first()
    if row is None:
        return False
    app = batch.app
    eager = app.conf.task_always_eager
    if not eager and (reason := batch.skip_reason()):
        logger.debug("Outbox task %s not dispatched: %s", row.pk, reason)
        OutboxTask.objects.filter(pk=row.pk).update(dispatched_at=None, last_error=reason)
        return False

    OutboxTask.objects.filter(pk=row.pk).update(
        dispatch_attempts=F("dispatch_attempts") + 1, dispatched_at=timezone.now()
    )
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
            task.apply_async(kwargs=kwargs, connection=batch.connection(), retry=False)
    except Exception as exc:  # the broker is down, hung or refused: try again later
        OutboxTask.objects.filter(pk=row.pk).update(dispatched_at=None, last_error=str(exc)[:2000])
        if not eager and isinstance(exc, BROKER_ERRORS):
            batch.failed = True
            broker_breaker.trip(batch.broker, str(exc)[:500])  # logs once per opening
        else:
            logger.warning("Outbox task %s not dispatched: %s", row.pk, exc)
        return False
    if not eager:
        broker_breaker.close(batch.broker)
    return True


def email_send(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    recipient=None,
    cc: list[str] | None = None,
) -> Email:
    """Render an e-mail (plain text and HTML) from templates and queue it for sending.

    `template` names a pair: notifications/email/<template>.txt and .html.
    """
    context = {**context, "site_url": settings.SITE_URL, "subject": subject}
    email = Email.objects.create(
        recipient=recipient,
        to=to,
        cc=sorted({c for c in (cc or []) if c and c.lower() != to.lower()}),
        subject=subject,
        body_text=render_to_string(f"notifications/email/{template}.txt", context),
        body_html=render_to_string(f"notifications/email/{template}.html", context),
    )
    outbox_enqueue(task_name="notifications.send_email", kwargs={"email_id": email.pk})
    return email


def notify(
    *,
    user,
    kind: str,
    title: str,
    url: str,
    template: str,
    context: dict,
    body: str = "",
    cc: list[str] | None = None,
    send_email: bool = True,
):
    """Tell one person something: an in-portal notification and (usually) an e-mail.

    The e-mail is rendered from notifications/email/<template>.txt/.html with `context`
    plus `url` (an absolute link back to the page) and `title`.
    """
    from .models import Notification

    email = None
    if send_email and user.is_active:
        email = email_send(
            to=user.email,
            cc=cc,
            subject=title,
            template=template,
            context={**context, "url": settings.SITE_URL + url, "title": title, "user": user},
            recipient=user,
        )
    return Notification.objects.create(
        user=user, kind=kind, title=title[:250], body=body, url=url, email=email
    )
