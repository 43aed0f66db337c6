"""The outbox's tests: Celery publishing for real to its in-memory broker when they ask for it."""

import pytest

from isf_portal.celery import app
from outbox.broker import broker_breaker, forget_connection


class Broker:
    """Celery publishes for real (not eagerly) to the in-memory broker; connections counted."""

    def __init__(self):
        self.eager = app.conf.task_always_eager
        app.conf.task_always_eager = False
        # Built once per process on the first message sent, with a connection of its own.
        app.amqp.send_task_message  # noqa: B018
        self.opened = 0
        self.refusing = False
        self._connect = app.connection_for_write
        app.connection_for_write = self.connect
        forget_connection()  # one kept by an earlier test was not counted

    def connect(self, *args, **kwargs):
        self.opened += 1
        if self.refusing:
            raise ConnectionRefusedError("broker is down")
        return self._connect(*args, **kwargs)

    def queued(self) -> int:
        with self._connect() as conn:
            return conn.default_channel.queue_declare("celery", passive=True).message_count

    def restore(self):
        with self._connect() as conn:
            conn.default_channel.queue_purge("celery")
        app.conf.task_always_eager = self.eager
        vars(app).pop("connection_for_write", None)
        forget_connection()


@pytest.fixture(autouse=True)
def closed_breaker():
    """Each test starts with the broker breaker closed, whatever the one before left open."""
    broker_breaker.reset()
    yield
    broker_breaker.reset()


@pytest.fixture
def broker():
    # Set by hand: monkeypatch cannot restore attributes of Celery's settings object.
    broker = Broker()
    yield broker
    broker.restore()
