"""A real Celery worker, on Redis, sends what the outbox hands it, and sends it once."""

import pytest
from django.core import mail
from django.db import transaction

from notifications.models import Email
from notifications.services import email_send
from notifications.tasks import send_email
from outbox.models import OutboxTask
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration


def queue_reset_email(to: str) -> Email:
    """Queue an e-mail the way the portal does: a row and an outbox entry, dispatched on commit."""
    with transaction.atomic():
        return email_send(
            to=to,
            subject="Reset your password",
            template="password_reset",
            context={
                "user": {"full_name": "Ada Admin"},
                "reset_url": "https://isf.example/reset/abc/",
            },
        )


def wait_until_sent(email: Email) -> Email:
    wait_for(
        lambda: Email.objects.filter(pk=email.pk, sent_at__isnull=False).exists(),
        timeout=30,
        what=f"the worker to send the e-mail to {email.to}",
    )
    email.refresh_from_db()
    return email


def test_worker_sends_outbox_dispatched_email(celery_worker):
    email = queue_reset_email("ada.admin@ardwick.example")

    email = wait_until_sent(email)

    assert email.attempts == 1
    assert email.last_error == ""
    outbox = OutboxTask.objects.get(kwargs={"email_id": email.pk})
    wait_for(
        lambda: OutboxTask.objects.filter(pk=outbox.pk, completed_at__isnull=False).exists(),
        timeout=10,
        what="the outbox row to be marked completed",
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ada.admin@ardwick.example"]
    assert message.subject == "Reset your password"
    assert "https://isf.example/reset/abc/" in message.body
    assert message.alternatives[0].mimetype == "text/html"


def test_task_delivered_twice_sends_once(celery_worker):
    email = wait_until_sent(queue_reset_email("ada.admin@ardwick.example"))

    # The broker delivers the same task again (a redispatch, or a late ack after a lost worker).
    send_email.delay(email_id=email.pk)
    # The worker has one process and takes one message at a time, in order: once this later
    # e-mail is sent, the duplicate delivery before it has been handled too.
    marker = wait_until_sent(queue_reset_email("marker@ardwick.example"))

    assert [m.to for m in mail.outbox] == [["ada.admin@ardwick.example"], [marker.to]]
    email.refresh_from_db()
    assert email.attempts == 1
