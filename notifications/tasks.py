import logging
import smtplib
import socket
from datetime import timedelta

from celery import Task, shared_task
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import Email, OutboxTask
from .services import outbox_dispatch_many

logger = logging.getLogger(__name__)

# How long a dispatched task may take before the outbox hands it over again.
REDISPATCH_AFTER = timedelta(minutes=10)


class OutboxBackedTask(Task):
    """A task fed from the outbox: completing it marks its outbox row done."""

    acks_late = True
    # `outbox_id` travels in the kwargs but is not an argument of the task function: __call__
    # takes it off. Celery's argument check in apply_async would refuse it (TypeError, so
    # nothing was ever dispatched), hence no typing check for outbox-fed tasks.
    typing = False

    def __call__(self, *args, outbox_id=None, **kwargs):
        result = super().__call__(*args, **kwargs)
        if outbox_id is not None:
            OutboxTask.objects.filter(pk=outbox_id, completed_at__isnull=True).update(
                completed_at=timezone.now()
            )
        return result


@shared_task(
    name="notifications.send_email",
    base=OutboxBackedTask,
    autoretry_for=(smtplib.SMTPException, socket.error, ConnectionError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_email(email_id: int) -> None:
    """Send one queued e-mail. Idempotent: an e-mail already sent is not sent again."""
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
            Email.objects.filter(pk=email.pk).update(
                attempts=email.attempts, last_error=str(exc)[:2000]
            )
            raise
        email.sent_at = timezone.now()
        email.last_error = ""
        email.save(update_fields=["sent_at", "attempts", "last_error"])


@shared_task(name="notifications.outbox_redispatch")
def outbox_redispatch(limit: int = 500) -> int:
    """Hand over again what the broker never got, or what a worker never finished.

    Tried even while the broker breaker is open (this is the way back); over one connection,
    and only until the broker first fails, so an outage costs one broker timeout per run."""
    stale = timezone.now() - REDISPATCH_AFTER
    pending = (
        OutboxTask.objects.filter(completed_at__isnull=True)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale))
        .values_list("pk", flat=True)[:limit]
    )
    return outbox_dispatch_many(outbox_ids=list(pending))
