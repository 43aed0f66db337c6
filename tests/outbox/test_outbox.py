"""The outbox's own rules: work is named by its task object and found again through Celery's
registry; work whose own task keeps failing goes dead (never because the broker was away), the
admin lists it and can hand it back; done rows are purged after the retention period."""

import logging
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from isf_portal.celery import app
from notifications.models import Email
from notifications.tasks import send_email
from outbox.base import OutboxBackedTask
from outbox.models import OutboxTask
from outbox.services import outbox_enqueue, outbox_purge
from outbox.tasks import purge, redispatch, redispatch_after

pytestmark = pytest.mark.django_db

Status = OutboxTask.Status


@app.task(name="tests.outbox.refuse", base=OutboxBackedTask)
def refuse(reason: str) -> None:
    """An outbox-fed task whose work always fails (no retry)."""
    raise ValueError(reason)


def an_email(to="someone@example.org") -> Email:
    return Email.objects.create(to=to, subject="Hello", body_text="Hello", body_html="<p>Hello</p>")


def fresh(row: OutboxTask) -> OutboxTask:
    return OutboxTask.objects.get(pk=row.pk)


def stale(row: OutboxTask) -> None:
    """As if the worker it was handed to had had it long enough: due for a redispatch."""
    OutboxTask.objects.filter(pk=row.pk).update(
        dispatched_at=timezone.now() - redispatch_after() - timedelta(minutes=1)
    )


# --- Named by the task object -----------------------------------------------------------------
def test_work_is_recorded_by_its_task_and_run_through_the_registry(
    django_capture_on_commit_callbacks,
):
    email = an_email()
    with django_capture_on_commit_callbacks(execute=True):
        row = outbox_enqueue(task=send_email, kwargs={"email_id": email.pk})

    assert row.task_name == send_email.name == "notifications.send_email"
    assert app.tasks[row.task_name] == send_email  # (send_email is a proxy to it)
    row = fresh(row)
    assert (row.status, row.dispatch_attempts, row.last_error) == (Status.DONE, 1, "")
    assert row.completed_at is not None
    assert [m.to for m in mail.outbox] == [["someone@example.org"]]


def test_a_task_that_fails_for_good_leaves_its_row_pending_with_the_reason():
    row = OutboxTask.objects.create(task_name=refuse.name, kwargs={"reason": "no clauses"})

    # As a worker runs it (which does not propagate the error), with no retry left.
    result = refuse.apply(kwargs={**row.kwargs, "outbox_id": row.pk}, throw=False)

    assert result.failed()

    row = fresh(row)
    assert (row.status, row.completed_at) == (Status.PENDING, None)
    assert row.last_error == "ValueError: no clauses"  # what the admin sees


def test_a_task_not_fed_from_the_outbox_is_refused_when_recorded():
    with pytest.raises(TypeError, match="not fed from the outbox"):
        outbox_enqueue(task=purge, kwargs={})
    assert not OutboxTask.objects.exists()


# --- Dead ---------------------------------------------------------------------------------------
def test_work_handed_over_the_most_times_that_no_worker_finished_goes_dead(
    broker, settings, caplog
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    row = OutboxTask.objects.create(task_name=send_email.name, kwargs={"email_id": 1})
    for attempt in range(1, 4):
        assert redispatch() == 1
        assert (fresh(row).status, fresh(row).dispatch_attempts) == (Status.PENDING, attempt)
        stale(row)

    assert redispatch() == 0

    row = fresh(row)
    assert (row.status, row.dispatch_attempts) == (Status.DEAD, 3)
    assert row.last_error  # why, for the admin
    assert broker.queued() == 3  # not handed over a fourth time
    assert any(r.levelno == logging.ERROR and "is dead" in r.getMessage() for r in caplog.records)
    stale(row)
    assert redispatch() == 0  # dead work waits for a person
    assert fresh(row).dispatch_attempts == 3


def test_work_its_task_refuses_goes_dead_after_the_most_attempts(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    row = OutboxTask.objects.create(task_name="notifications.no_such_task", kwargs={})

    assert redispatch() == 0
    assert (fresh(row).status, fresh(row).dispatch_attempts) == (Status.PENDING, 1)
    assert redispatch() == 0

    row = fresh(row)
    assert (row.status, row.dispatch_attempts) == (Status.DEAD, 2)
    assert "no_such_task" in row.last_error
    assert redispatch() == 0
    assert fresh(row).dispatch_attempts == 2


def test_a_broker_outage_never_kills_work(broker, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    row = OutboxTask.objects.create(task_name=send_email.name, kwargs={"email_id": 1})
    broker.refusing = True
    for _ in range(5):
        assert redispatch() == 0

    row = fresh(row)
    assert (row.status, row.dispatch_attempts) == (Status.PENDING, 5)
    assert "broker is down" in row.last_error

    broker.refusing = False
    assert redispatch() == 1
    row = fresh(row)
    assert (row.status, row.last_error) == (Status.PENDING, "")  # handed over; earlier error gone
    assert row.dispatched_at is not None


def test_a_late_run_of_dead_work_marks_it_done():
    email = an_email()
    row = OutboxTask.objects.create(
        task_name=send_email.name, kwargs={"email_id": email.pk}, status=Status.DEAD
    )

    send_email.apply(kwargs={"email_id": email.pk, "outbox_id": row.pk})

    assert fresh(row).status == Status.DONE
    assert len(mail.outbox) == 1


# --- The admin ----------------------------------------------------------------------------------
@pytest.fixture
def admin_client(client_for, staff_user):
    return client_for(staff_user)


def test_the_admin_lists_the_outbox_filtered_by_status(admin_client):
    pending = OutboxTask.objects.create(task_name="agreements.seal", kwargs={"agreement_id": 1})
    dead = OutboxTask.objects.create(
        task_name="agreements.generate", kwargs={"version_id": 2}, status=Status.DEAD
    )
    OutboxTask.objects.create(
        task_name=send_email.name, status=Status.DONE, completed_at=timezone.now()
    )
    changelist = reverse("admin:outbox_outboxtask_changelist")

    everything = admin_client.get(changelist)
    dead_only = admin_client.get(changelist, {"status__exact": "dead"})

    assert everything.status_code == dead_only.status_code == 200
    assert len(everything.context["cl"].result_list) == 3
    assert list(dead_only.context["cl"].result_list) == [dead]
    assert pending not in dead_only.context["cl"].result_list


def test_the_admin_hands_dead_work_back_and_records_who_did(
    admin_client, staff_user, django_capture_on_commit_callbacks
):
    email = an_email()
    dead = OutboxTask.objects.create(
        task_name=send_email.name,
        kwargs={"email_id": email.pk},
        status=Status.DEAD,
        dispatch_attempts=10,
        last_error="SMTP server away",
    )
    pending = OutboxTask.objects.create(task_name="agreements.seal", kwargs={"agreement_id": 1})

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:outbox_outboxtask_changelist"),
            {"action": "retry_dead", "_selected_action": [dead.pk, pending.pk]},
        )

    assert response.status_code == 302
    dead = fresh(dead)
    # Back to pending with its attempts reset, then handed over after commit: the e-mail went.
    assert (dead.status, dead.dispatch_attempts, dead.last_error) == (Status.DONE, 1, "")
    assert [m.to for m in mail.outbox] == [["someone@example.org"]]
    assert (fresh(pending).status, fresh(pending).dispatch_attempts) == (Status.PENDING, 0)
    entry = LogEntry.objects.get(object_id=str(dead.pk))
    assert (entry.user, entry.change_message) == (staff_user, "isf.outbox.retried")
    assert not LogEntry.objects.filter(object_id=str(pending.pk)).exists()


def test_the_retry_resets_attempts_so_the_work_gets_all_its_tries_again(admin_client):
    dead = OutboxTask.objects.create(
        task_name=send_email.name, kwargs={"email_id": 1}, status=Status.DEAD, dispatch_attempts=9
    )

    admin_client.post(  # (its on-commit handover does not run here)
        reverse("admin:outbox_outboxtask_changelist"),
        {"action": "retry_dead", "_selected_action": [dead.pk]},
    )

    dead = fresh(dead)
    assert (dead.status, dead.dispatch_attempts, dead.dispatched_at) == (Status.PENDING, 0, None)


def test_outsiders_cannot_see_the_outbox_in_the_admin(client_for, member_a):
    response = client_for(member_a).get(reverse("admin:outbox_outboxtask_changelist"))
    assert response.status_code == 302  # to the admin's sign-in


# --- Purge --------------------------------------------------------------------------------------
def test_done_work_is_purged_after_the_retention_period_and_nothing_else(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    now = timezone.now()

    def row(status, completed_days_ago=None, created_days_ago=60):
        created = OutboxTask.objects.create(task_name=send_email.name, status=status)
        completed = completed_days_ago is not None and now - timedelta(days=completed_days_ago)
        OutboxTask.objects.filter(pk=created.pk).update(
            created_at=now - timedelta(days=created_days_ago), completed_at=completed or None
        )
        return created.pk

    old_done = row(Status.DONE, completed_days_ago=31)
    recent_done = row(Status.DONE, completed_days_ago=29)
    old_dead = row(Status.DEAD)
    old_pending = row(Status.PENDING)

    assert outbox_purge() == 1
    assert set(OutboxTask.objects.values_list("pk", flat=True)) == {
        recent_done,
        old_dead,
        old_pending,
    }
    assert old_done not in OutboxTask.objects.values_list("pk", flat=True)
    assert purge() == 0  # the periodic task, run again: nothing more


def test_beat_runs_the_redispatch_and_the_purge():
    scheduled = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"outbox.redispatch", "outbox.purge"} <= scheduled
    app.loader.import_default_modules()
    assert {"outbox.redispatch", "outbox.purge"} <= set(app.tasks)
