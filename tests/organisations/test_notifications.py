"""E-mail through the outbox: recorded first, sent once, re-sent when the broker was away."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from isf_portal.celery import app as celery_app
from notifications.models import Email
from notifications.services import email_send
from notifications.tasks import send_email
from organisations.models import Invitation
from outbox.broker import forget_connection
from outbox.models import OutboxTask
from outbox.services import outbox_dispatch
from outbox.tasks import redispatch, redispatch_after

pytestmark = pytest.mark.django_db


def queue_an_email(to="someone@example.org") -> Email:
    """An e-mail queued inside a transaction that (under `db`) never runs its on_commit."""
    return email_send(
        to=to,
        cc=["ig@example.org", "SOMEONE@example.org", ""],
        subject="A test e-mail",
        template="password_reset",
        context={"user": None, "reset_url": "https://portal.example/reset/"},
    )


class BrokerDown:
    """Celery is not eager and the broker refuses every connection, until `back()`."""

    def __init__(self):
        self.eager = celery_app.conf.task_always_eager
        celery_app.conf.task_always_eager = False
        celery_app.connection_for_write = self.refuse
        forget_connection()  # a connection kept by an earlier test would not refuse

    @staticmethod
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("broker is down")

    def back(self):
        celery_app.conf.task_always_eager = self.eager
        vars(celery_app).pop("connection_for_write", None)


@pytest.fixture
def broker_down():
    # Set by hand: monkeypatch cannot restore attributes of Celery's settings object.
    down = BrokerDown()
    yield down
    down.back()


def test_email_send_records_the_email_and_an_outbox_row_before_anything_is_sent():
    email = queue_an_email()
    assert email.body_text and email.body_html
    assert email.cc == ["ig@example.org"]  # the recipient and blanks are not copied
    row = OutboxTask.objects.get()
    assert row.task_name == "notifications.send_email"
    assert row.kwargs == {"email_id": email.pk}
    assert row.completed_at is None
    assert mail.outbox == []


def test_queued_email_is_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue_an_email()
    email.refresh_from_db()
    assert email.sent_at is not None
    assert email.attempts == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["someone@example.org"]
    assert message.cc == ["ig@example.org"]
    assert message.alternatives[0][1] == "text/html"
    row = OutboxTask.objects.get()
    assert row.completed_at is not None
    assert row.dispatch_attempts == 1


def test_outbox_redispatch_sends_what_was_never_dispatched():
    email = queue_an_email()  # its on_commit never ran: still pending
    assert redispatch() == 1
    email.refresh_from_db()
    assert email.sent_at is not None
    assert len(mail.outbox) == 1
    assert OutboxTask.objects.get().completed_at is not None
    # Nothing is left to do the second time.
    assert redispatch() == 0
    assert len(mail.outbox) == 1


def test_outbox_redispatch_hands_over_again_a_task_a_worker_never_finished():
    email = queue_an_email()
    OutboxTask.objects.update(dispatched_at=timezone.now() - redispatch_after() - timedelta(1))
    assert redispatch() == 1
    email.refresh_from_db()
    assert email.sent_at is not None


def test_outbox_redispatch_leaves_a_recently_dispatched_task_to_its_worker():
    queue_an_email()
    OutboxTask.objects.update(dispatched_at=timezone.now() - timedelta(minutes=1))
    assert redispatch() == 0
    assert mail.outbox == []


def test_send_email_is_idempotent():
    email = queue_an_email()
    send_email(email.pk)
    send_email(email.pk)
    send_email.apply(kwargs={"email_id": email.pk})
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_send_email_for_a_missing_email_does_nothing():
    send_email(987654)
    assert mail.outbox == []


def test_redispatching_a_task_whose_email_went_out_sends_nothing_more():
    email = queue_an_email()
    send_email(email.pk)  # sent, but the outbox row was never marked done
    assert OutboxTask.objects.get().completed_at is None
    assert redispatch() == 1
    assert len(mail.outbox) == 1
    assert OutboxTask.objects.get().completed_at is not None


def test_broker_down_leaves_the_outbox_row_pending_with_the_error(broker_down):
    queue_an_email()
    row = OutboxTask.objects.get()
    assert outbox_dispatch(outbox_id=row.pk) is False
    row.refresh_from_db()
    assert row.dispatched_at is None
    assert row.completed_at is None
    assert row.dispatch_attempts == 1
    assert "broker is down" in row.last_error
    assert mail.outbox == []


def test_invitation_is_saved_when_the_broker_is_down_and_sent_once_it_is_back(
    client_for, admin_a, org_a, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_a).post(
            reverse("organisations:invite", args=[org_a.slug]),
            {"email": "patient@ardwick.example", "roles": ["member"]},
        )
    assert response.status_code == 302  # the admin's action is saved, not a 500
    assert Invitation.objects.filter(email="patient@ardwick.example").exists()
    assert OutboxTask.objects.get().completed_at is None
    assert mail.outbox == []

    broker_down.back()  # and tasks run eagerly again
    assert redispatch() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["patient@ardwick.example"]


def test_invitation_email_escapes_html_in_names(admin_a, org_a, invite):
    admin_a.full_name = "<b>Ada</b>"
    admin_a.save()
    invitation, _token = invite("escaped@ardwick.example")
    email = Email.objects.get(to="escaped@ardwick.example")
    assert "<b>Ada</b>" not in email.body_html
    assert "&lt;b&gt;Ada&lt;/b&gt;" in email.body_html
    assert "<b>Ada</b> has invited you" in email.body_text  # plain text is not HTML
