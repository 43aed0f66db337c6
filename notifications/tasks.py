import logging
import smtplib
import socket

from celery import shared_task
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from outbox.base import OutboxBackedTask

from .models import Email

logger = logging.getLogger(__name__)


@shared_task(
    name="notifications.send_email",
    base=OutboxBackedTask,
    autoretry_for=(smtplib.SMTPException, socket.error, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email(email_id: int | None = None, email_ids: list[int] | None = None) -> None:
    """Send one queued e-mail (`email_id`), or the e-mails of one event (`email_ids`) over one
    mail connection. Idempotent: an e-mail already sent is not sent again, so a retry sends
    only those that failed.

    Every e-mail is tried; a failed send is recorded (attempts, last_error) and committed
    before the first failure is raised again for Celery's retry: raised inside the
    transaction, it would roll the record back."""
    ids = [email_id] if email_id is not None else list(email_ids or [])
    mail = get_connection()
    if len(ids) > 1:
        try:
            mail.open()  # kept open for them all (a send opens and closes its own otherwise)
        except Exception as exc:  # each send then tries itself, and records why it failed
            logger.info("Mail connection not opened for %d e-mails: %s", len(ids), exc)
    failure = None
    try:
        for pk in ids:
            error = _send(pk, mail)
            if error is not None:
                failure = failure or error
                mail.close()  # not reused once broken: the next send opens its own
    finally:
        mail.close()
    if failure is not None:
        raise failure


def _send(email_id: int, mail) -> Exception | None:
    """Send one e-mail over the mail connection `mail`; record the attempt. Returns the
    error, if the send failed."""
    with transaction.atomic():
        email = Email.objects.select_for_update().filter(pk=email_id).first()
        if email is None or email.sent_at is not None:
            return None
        message = EmailMultiAlternatives(
            subject=email.subject,
            body=email.body_text,
            to=[email.to],
            cc=email.cc,
            connection=mail,
        )
        message.attach_alternative(email.body_html, "text/html")
        email.attempts += 1
        failure = None
        try:
            message.send()
        except Exception as exc:
            failure = exc
            email.last_error = str(exc)[:2000]
        else:
            email.sent_at = timezone.now()
            email.last_error = ""
        email.save(update_fields=["sent_at", "attempts", "last_error"])
    return failure
