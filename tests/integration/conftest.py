"""A real broker, a broken broker and a real Celery worker, for the integration tests.

Celery reads its configuration from Django's settings once, lazily, so these fixtures change
`isf_portal.celery.app.conf` directly and put every value back afterwards.
"""

import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import kombu.pools
import pytest
from celery import signals
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connections

from isf_portal.celery import app

# What a test changes on app.conf, and so what it must restore.
_CONF_KEYS = (
    "broker_url",
    "broker_transport_options",
    "task_always_eager",
    "worker_hijack_root_logger",
)


def _drop_cached_connections() -> None:
    """Forget pooled broker connections made for the previous broker URL."""
    kombu.pools.reset()  # closes every pool and empties kombu's registry of them
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def celery_broker(url: str, *, eager: bool = False) -> Iterator[None]:
    """Point the Celery app at `url` with the production broker timeouts, then restore it."""
    saved = {key: app.conf[key] for key in _CONF_KEYS}
    _drop_cached_connections()
    app.conf.update(
        broker_url=url,
        # The same bounded socket and connect timeouts the production settings use.
        broker_transport_options=dict(settings.REDIS_BROKER_TRANSPORT_OPTIONS),
        task_always_eager=eager,
        worker_hijack_root_logger=False,
    )
    try:
        yield
    finally:
        _drop_cached_connections()
        app.conf.update(saved)


class SilentListener:
    """A TCP server on 127.0.0.1 that accepts every connection and never answers: a hung Redis."""

    def __init__(self) -> None:
        self.server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(64)
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="silent-listener", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted.append(conn)  # held open, never read from, never written to

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for conn in self.accepted:
            conn.close()
        self.server.close()


@pytest.fixture
def hung_redis_url() -> Iterator[str]:
    listener = SilentListener()
    try:
        yield f"redis://127.0.0.1:{listener.port}/0"
    finally:
        listener.close()


@pytest.fixture
def down_redis_url() -> str:
    """A port on 127.0.0.1 where nothing listens: connections are refused, as when Redis is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def _close_worker_db_connections(**_kwargs) -> None:
    # Runs in the worker thread: its database connections must not outlive the test, or the
    # test database cannot be flushed and dropped.
    connections.close_all()


@contextmanager
def running_worker(broker_url: str):
    """A real Celery worker (solo pool, in a thread) consuming from `broker_url`.

    Tasks run in the worker's own thread with their own database connection, so the data they
    read must be committed: tests using it need transactional_db.
    """
    with celery_broker(broker_url, eager=False):
        app.control.purge()  # messages left in the queue by an earlier, interrupted run
        signals.task_postrun.connect(_close_worker_db_connections, weak=False)
        try:
            with start_worker(
                app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=20
            ) as worker:
                yield worker
        finally:
            signals.task_postrun.disconnect(_close_worker_db_connections)
            app.control.purge()


@pytest.fixture
def celery_worker(redis_url, transactional_db):
    with running_worker(redis_url) as worker:
        yield worker


def wait_for(predicate, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


@pytest.fixture
def fault_tmp() -> Iterator[Path]:
    """A folder the fault tests' processes (the postgres user's too) may write to."""
    path = Path(tempfile.mkdtemp(prefix="isf-fault-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
