import logging
import smtplib
import socket

from celery import shared_task
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
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
    # Its outbox row is read in the e-mails' locking read (a done row: none found), and
    # marked done with the sends, in one commit.
    reads_done_first=False,
)
def send_email(email_id: int | None = None, email_ids: list[int] | None = None) -> None:
    """Send one queued e-mail (`email_id`), or the e-mails of one event (`email_ids`) over one
    mail connection. Idempotent: an e-mail already sent is not sent again, so a retry sends
    only those that failed.

    The e-mails not sent yet are read and locked together (a second run of the same work
    waits, then finds them sent), sent one by one, and recorded together: the sent ones in
    one UPDATE, each failure (attempts, last_error) in its own, committed before the first
    failure is raised again for Celery's retry: raised inside the transaction, it would roll
    the record back. One transaction for them all rather than one per e-mail: a worker killed
    in the middle of the sends (not a failed send, which is recorded) has recorded none of
    them, and the redelivered task sends them all again."""
    ids = [email_id] if email_id is not None else list(email_ids or [])
    failure = None
    with transaction.atomic():
        found = (
            Email.objects.select_for_update()
            .filter(send_email.outbox_not_done(), pk__in=ids, sent_at__isnull=True)
            .order_by("pk")  # one order of locking for every run: no deadlock between two
        )
        place = {pk: index for index, pk in enumerate(ids)}
        emails = sorted(found, key=lambda email: place[email.pk])
        mail = get_connection()
        if len(emails) > 1:
            try:
                mail.open()  # kept open for them all (a send opens and closes its own otherwise)
            except Exception as exc:  # each send then tries itself, and records why it failed
                logger.info("Mail connection not opened for %d e-mails: %s", len(emails), exc)
        sent = []
        try:
            for email in emails:
                error = _send(email, mail)
                if error is None:
                    sent.append(email.pk)
                    continue
                failure = failure or error
                mail.close()  # not reused once broken: the next send opens its own
                Email.objects.filter(pk=email.pk).update(
                    attempts=F("attempts") + 1, last_error=str(error)[:2000]
                )
        finally:
            mail.close()
        if sent:
            Email.objects.filter(pk__in=sent).update(
                sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
            )
        if failure is None:
            send_email.outbox_done()
    if failure is not None:
        raise failure


def _send(email: Email, mail) -> Exception | None:
    """Send one e-mail over the mail connection `mail`. Returns the error, if the send
    failed."""
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        to=[email.to],
        cc=email.cc,
        connection=mail,
    )
    message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except Exception as exc:
        return exc
    return None
