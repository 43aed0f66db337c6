"""Queue e-mail and background work so that neither is lost when the broker is away."""

import logging

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from .models import Email, OutboxTask

logger = logging.getLogger(__name__)


def outbox_enqueue(*, task_name: str, kwargs: dict) -> OutboxTask:
    """Record background work in this transaction; hand it to the broker after commit."""
    row = OutboxTask.objects.create(task_name=task_name, kwargs=kwargs)
    transaction.on_commit(lambda: outbox_dispatch(outbox_id=row.pk))
    return row


def outbox_dispatch(*, outbox_id: int) -> bool:
    """Hand one outbox row to the broker. Never raises: a failure leaves the row pending."""
    from isf_portal.celery import app

    row = OutboxTask.objects.filter(pk=outbox_id, completed_at__isnull=True).first()
    if row is None:
        return False
    OutboxTask.objects.filter(pk=row.pk).update(
        dispatch_attempts=row.dispatch_attempts + 1, dispatched_at=timezone.now()
    )
    try:
        if row.task_name not in app.tasks:
            # Celery imports the apps' tasks modules only when a worker starts; a web process
            # (or a test) looking a task up by name must import them first.
            app.loader.import_default_modules()
        task = app.tasks[row.task_name]
        if app.conf.task_always_eager:
            task.apply_async(kwargs={**row.kwargs, "outbox_id": row.pk})
        else:
            # A fresh connection with bounded timeouts and no retry loop: the outbox retries.
            with app.connection_for_write() as conn:
                task.apply_async(
                    kwargs={**row.kwargs, "outbox_id": row.pk}, connection=conn, retry=False
                )
    except Exception as exc:  # the broker is down, hung or refused: try again later
        logger.warning("Outbox task %s not dispatched: %s", row.pk, exc)
        OutboxTask.objects.filter(pk=row.pk).update(dispatched_at=None, last_error=str(exc)[:2000])
        return False
    return True


def email_send(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    recipient=None,
    cc: list[str] | None = None,
) -> Email:
    """Render an e-mail (plain text and HTML) from templates and queue it for sending.

    `template` names a pair: notifications/email/<template>.txt and .html.
    """
    context = {**context, "site_url": settings.SITE_URL, "subject": subject}
    email = Email.objects.create(
        recipient=recipient,
        to=to,
        cc=sorted({c for c in (cc or []) if c and c.lower() != to.lower()}),
        subject=subject,
        body_text=render_to_string(f"notifications/email/{template}.txt", context),
        body_html=render_to_string(f"notifications/email/{template}.html", context),
    )
    outbox_enqueue(task_name="notifications.send_email", kwargs={"email_id": email.pk})
    return email


def notify(
    *,
    user,
    kind: str,
    title: str,
    url: str,
    template: str,
    context: dict,
    body: str = "",
    cc: list[str] | None = None,
    send_email: bool = True,
):
    """Tell one person something: an in-portal notification and (usually) an e-mail.

    The e-mail is rendered from notifications/email/<template>.txt/.html with `context`
    plus `url` (an absolute link back to the page) and `title`.
    """
    from .models import Notification

    email = None
    if send_email and user.is_active:
        email = email_send(
            to=user.email,
            cc=cc,
            subject=title,
            template=template,
            context={**context, "url": settings.SITE_URL + url, "title": title, "user": user},
            recipient=user,
        )
    return Notification.objects.create(
        user=user, kind=kind, title=title[:250], body=body, url=url, email=email
    )
