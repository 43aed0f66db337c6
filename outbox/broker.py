"""The outbox's way to the broker: the rows one transaction commits share one connection, kept
open for the thread's next commits (connecting and declaring the queue again cost a web
request more than the rest of handing its rows over: measured, a quarter of a comment POST's
CPU). After a broker failure a circuit breaker stops this process trying the broker for a
cool-down (`OUTBOX_BROKER_COOLDOWN` seconds). So a request that records many rows waits for
at most one broker timeout, not one per row (two if its kept connection failed first and a
fresh one was tried); the periodic redispatch (which always tries) is the way back.
"""

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from kombu.exceptions import OperationalError

from isf_portal.celery import app as celery_app

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


class _Kept(threading.local):
    """This thread's broker connection, kept between batches (kombu connections are not
    shared between threads), with the broker and process it was opened for."""

    connection = None
    broker = ""
    pid = 0


_kept = _Kept()


def forget_connection() -> None:
    """Close and drop this thread's kept broker connection: the next batch connects afresh."""
    connection, _kept.connection = _kept.connection, None
    if connection is not None:
        try:
            connection.release()
        except Exception as exc:  # a connection that broke may fail to close too
            logger.debug("Closing the kept broker connection failed: %s", exc)


class BrokerBatch:
    """Rows handed to the broker together: one connection, this thread's kept one or, when it
    has none for this broker, one opened when first needed (and then kept)."""

    def __init__(self, *, app, use_breaker: bool) -> None:
        self.app = app
        self.broker = str(app.conf.broker_url)
        self.use_breaker = use_breaker
        self.failed = False
        self._connection = None
        self._reused = False

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
            kept = _kept.connection
            if kept is not None and (_kept.broker, _kept.pid) == (self.broker, os.getpid()):
                self._connection, self._reused = kept, True
            else:
                forget_connection()  # another broker's, or the parent process's
                # Bounded timeouts and no retry loop (retry=False when publishing): the
                # outbox retries.
                self._connection, self._reused = self.app.connection_for_write(), False
                _kept.connection, _kept.broker, _kept.pid = (
                    self._connection,
                    self.broker,
                    os.getpid(),
                )
        return self._connection

    def publish(self, task, kwargs: dict) -> None:
        """Hand one message to the broker. A kept connection that fails (the broker restarted
        or dropped it while idle) is replaced by a fresh one, tried once, before the failure
        counts: a stale connection is not a broker that is down."""
        try:
            task.apply_async(kwargs=kwargs, connection=self.connection(), retry=False)
        except BROKER_ERRORS as exc:
            if not self._reused:
                raise
            logger.info("Kept broker connection failed (%s): connecting afresh", exc)
            forget_connection()
            self._connection = None
            task.apply_async(kwargs=kwargs, connection=self.connection(), retry=False)

    def failure(self, error: str) -> None:
        """The broker failed this batch: skip it for the rest of the batch and the cool-down.
        The connection is not kept: the next try connects afresh."""
        self.failed = True
        if self._connection is not None and self._connection is _kept.connection:
            forget_connection()
        self._connection = None
        broker_breaker.trip(self.broker, error[:500])  # logs once per opening

    def success(self) -> None:
        broker_breaker.close(self.broker)

    def close(self) -> None:
        """The batch is over; its connection stays open for the thread's next batch."""
        self._connection = None


# The batch the rows being dispatched belong to (None outside broker_batch()).
_batch: ContextVar[BrokerBatch | None] = ContextVar("outbox_batch", default=None)


def current_batch() -> BrokerBatch | None:
    return _batch.get()


@contextmanager
def broker_batch(*, use_breaker: bool) -> Iterator[BrokerBatch]:
    """Share one broker connection (and one breaker policy) between the rows handed over in
    this block."""
    batch = BrokerBatch(app=celery_app, use_breaker=use_breaker)
    token = _batch.set(batch)
    try:
        yield batch
    finally:
        _batch.reset(token)
        batch.close()
