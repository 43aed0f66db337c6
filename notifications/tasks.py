import smtplib
import socket

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from outbox.base import OutboxBackedTask

from .models import Email


@shared_task(
    name="notifications.send_email",
    base=OutboxBackedTask,
    autoretry_for=(smtplib.SMTPException, socket.error, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email(email_id: int) -> None:
    """Send one queued e-mail. Idempotent: an e-mail already sent is not sent again.

    A failed send is recorded (attempts, last_error) and committed before the error is raised
    again for Celery's retry: raised inside the transaction, it would roll the record back."""
    failure = None
    with transaction.atomic():
        email = Email.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.sent_at is not None:
            return
        message = EmailMultiAlternatives(
            subject=email.subject, body=email.body_text, to=[email.to], cc=email.cc
        )
        message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        try:
            message.send()
        except Exception as exc:
            failure = exc
            email.last_error = str(exc)[:2000]
        else:
            email.sent_at = timezone.now()
            email.last_error = ""
        email.save(update_fields=["sent_at", "attempts", "last_error"])
    if failure is not None:
        raise failure
