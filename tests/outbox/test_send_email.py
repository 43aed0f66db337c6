"""A failed send keeps its record: the e-mail task counts the attempt and keeps the error even
though the failure is raised again (for Celery's retry) after the row was locked and saved."""

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from notifications.models import Email
from notifications.tasks import send_email

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
