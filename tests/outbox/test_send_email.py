"""A failed send keeps its record: the e-mail task counts the attempt and keeps the error even
though the failure is raised again (for Celery's retry) after the row was locked and saved."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from notifications.models import Email
from notifications.tasks import send_email
from outbox.models import OutboxTask

pytestmark = pytest.mark.django_db


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPException("421 Service not available, try again later")


@pytest.fixture
def email():
    return Email.objects.create(
        to="someone@example.org", subject="Hello", body_text="Hello", body_html="<p>Hello</p>"
    )


def test_a_failed_send_keeps_its_attempt_and_its_error(email, settings):
    settings.EMAIL_BACKEND = "tests.outbox.test_send_email.RefusingBackend"

    with pytest.raises(smtplib.SMTPException):
        send_email(email.pk)

    email.refresh_from_db()
    assert email.attempts == 1
    assert "421 Service not available" in email.last_error
    assert email.sent_at is None

    with pytest.raises(smtplib.SMTPException):
        send_email(email.pk)
    email.refresh_from_db()
    assert email.attempts == 2


def test_a_send_that_succeeds_after_failures_clears_the_error(email, settings):
    settings.EMAIL_BACKEND = "tests.outbox.test_send_email.RefusingBackend"
    with pytest.raises(smtplib.SMTPException):
        send_email(email.pk)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_email(email.pk)

    email.refresh_from_db()
    assert (email.attempts, email.last_error) == (2, "")
    assert email.sent_at is not None
    assert len(mail.outbox) == 1


class CountingBackend(locmem.EmailBackend):
    """The test outbox, refusing mail to one address, counting the connections opened."""

    opened = 0

    def open(self):
        CountingBackend.opened += 1
        return True

    def send_messages(self, email_messages):
        if any("refused@" in m.to[0] for m in email_messages):
            raise smtplib.SMTPRecipientsRefused({m.to[0]: (550, b"no") for m in email_messages})
        return super().send_messages(email_messages)


def test_an_events_emails_go_over_one_connection_and_a_refused_one_does_not_stop_the_rest(
    settings,
):
    settings.EMAIL_BACKEND = "tests.outbox.test_send_email.CountingBackend"
    CountingBackend.opened = 0
    emails = [
        Email.objects.create(to=to, subject="Hi", body_text="Hi", body_html="<p>Hi</p>")
        for to in ("one@example.org", "refused@example.org", "three@example.org")
    ]
    ids = [e.pk for e in emails]

    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send_email(email_ids=ids)

    assert sorted(m.to[0] for m in mail.outbox) == ["one@example.org", "three@example.org"]
    assert CountingBackend.opened == 1  # opened once for the three, not per e-mail
    refused = Email.objects.get(to="refused@example.org")
    assert (refused.sent_at, refused.attempts) == (None, 1) and refused.last_error

    # Celery's retry sends again only what is not sent yet.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    Email.objects.filter(pk=refused.pk).update(to="two@example.org")
    send_email(email_ids=ids)
    assert [m.to[0] for m in mail.outbox][2:] == ["two@example.org"]
    assert not Email.objects.filter(pk__in=ids, sent_at__isnull=True).exists()


def test_the_emails_of_an_event_are_read_and_recorded_in_a_few_statements_however_many(
    settings, django_assert_max_num_queries
):
    """Read and locked together, the sent ones recorded in one UPDATE: not two statements and
    a transaction per e-mail."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    emails = [
        Email.objects.create(to=f"p{i}@example.org", subject="Hi", body_text="Hi", body_html="Hi")
        for i in range(20)
    ]
    emails[3].sent_at = timezone.now()
    emails[3].save(update_fields=["sent_at"])

    # The read and the UPDATE, in a savepoint here (the test's transaction): four statements.
    with django_assert_max_num_queries(4):
        send_email(email_ids=[e.pk for e in emails])

    # In the order given, the one sent already not again.
    assert [m.to[0] for m in mail.outbox] == [f"p{i}@example.org" for i in range(20) if i != 3]
    recorded = Email.objects.filter(pk__in=[e.pk for e in emails]).exclude(pk=emails[3].pk)
    assert all(e.sent_at and e.attempts == 1 and e.last_error == "" for e in recorded)
    assert Email.objects.get(pk=emails[3].pk).attempts == 0


def test_a_run_from_the_outbox_marks_its_row_done_with_the_sends(
    settings, django_assert_max_num_queries
):
    """Fed from the outbox, the run asks whether its row is done in the e-mails' locking read
    and marks it done in the same transaction: the read, two UPDATEs and the savepoint's two
    statements here, no read of the row first and no UPDATE of its own after."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    emails = [
        Email.objects.create(to=f"p{i}@example.org", subject="Hi", body_text="Hi", body_html="Hi")
        for i in range(3)
    ]
    row = OutboxTask.objects.create(
        task_name=send_email.name, kwargs={"email_ids": [e.pk for e in emails]}
    )

    with django_assert_max_num_queries(5):
        send_email.apply(kwargs={**row.kwargs, "outbox_id": row.pk})

    row.refresh_from_db()
    assert row.status == OutboxTask.Status.DONE and row.completed_at is not None
    assert len(mail.outbox) == 3
    assert not Email.objects.filter(pk__in=row.kwargs["email_ids"], sent_at=None).exists()


def test_a_run_from_the_outbox_that_fails_leaves_its_row_pending(email, settings):
    settings.EMAIL_BACKEND = "tests.outbox.test_send_email.RefusingBackend"
    row = OutboxTask.objects.create(task_name=send_email.name, kwargs={"email_id": email.pk})

    with pytest.raises(Exception):  # noqa: B017 - the failure or Celery's retry of it, here eager
        send_email.apply(kwargs={"email_id": email.pk, "outbox_id": row.pk})

    row.refresh_from_db()
    assert row.status == OutboxTask.Status.PENDING
    email.refresh_from_db()
    assert email.sent_at is None and email.attempts >= 1
