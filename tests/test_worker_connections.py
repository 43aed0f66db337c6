"""A Celery worker keeps its PostgreSQL connection from one task to the next, as a web process
keeps its connection from one request to the next (CONN_MAX_AGE), and drops it by the same
rules: once too old, or once an error has left it unusable.

Celery's Django fix-up, which every worker installs, used to close the connection before and
after each task: each e-mail a comment sends opened a new PostgreSQL connection. The tests run
the fix-up's and the portal's handlers around a task as a worker does.
"""

import time
from contextlib import contextmanager

import pytest
from celery import signals
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from isf_portal.celery import app
from notifications.tasks import send_email


@contextmanager
def a_task_runs(task=send_email):
    """What a worker does around a task: the fix-up's handlers, then the signals'."""
    fixup = DjangoWorkerFixup(app)
    fixup.on_task_prerun(sender=task)
    signals.task_prerun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
    yield
    fixup.on_task_postrun(sender=task)
    signals.task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={})


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_its_next_tasks_on_the_same_connection(postgres):
    connection.ensure_connection()
    opened = connection.connection
    for _ in range(3):
        with a_task_runs(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    assert connection.connection is opened


@pytest.mark.django_db(transaction=True)
def test_a_connection_past_its_age_is_closed_after_the_task(postgres):
    with a_task_runs():
        connection.ensure_connection()
        connection.close_at = time.monotonic() - 1  # CONN_MAX_AGE has passed
    assert connection.connection is None


@pytest.mark.django_db(transaction=True)
def test_a_connection_broken_during_a_task_is_not_reused(postgres):
    with a_task_runs():
        connection.ensure_connection()
        broken = connection.connection
        broken.close()  # as when PostgreSQL restarts under the worker
        connection.errors_occurred = True  # what Django records when a statement fails on it
    assert connection.connection is None
    with a_task_runs(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection is not broken


@pytest.mark.django_db(transaction=True)
def test_a_connection_left_mid_statement_is_replaced_before_the_next_task_uses_it(postgres):
    # Why Celery itself stopped keeping connections (celery#9824): a task interrupted while a
    # statement runs (a time limit's signal) leaves the connection unusable with no database
    # error recorded, so the rule around tasks keeps it. Django's health check
    # (CONN_HEALTH_CHECKS, set with CONN_MAX_AGE in isf_portal/settings/database.py) finds it
    # at the next task's first query, and opens a new one.
    with a_task_runs():
        connection.ensure_connection()
        interrupted = connection.connection
        interrupted.pgconn.send_query(b"SELECT pg_sleep(0.2)")  # its result never read
    assert connection.connection is interrupted  # no error was recorded: still kept
    with a_task_runs(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert connection.connection is not interrupted
