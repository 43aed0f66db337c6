"""Tell people things: in-portal notifications and the e-mail that carries them.

An e-mail is kept as a row and sent by a task fed from the outbox, so a broker that is away
never loses it (outbox/services.py).
"""

from django.conf import settings
from django.template.loader import render_to_string

from isf_portal.domain import is_service_account_address
from outbox.services import outbox_enqueue

from . import tasks
from .models import Email, Notification


def deliverable(address: str | None) -> bool:
    """Whether mail to `address` can reach anyone: never a service account's, whose
    undeliverable addresses (isf_portal.domain.SERVICE_ACCOUNT_DOMAIN) nobody reads, though
    they hold roles and so are among the people an event tells."""
    if not address:
        return False
    return not is_service_account_address(address)


def email_send(
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    recipient=None,
    cc: list[str] | None = None,
) -> Email | None:
    """Render an e-mail (plain text and HTML) from templates and queue it for sending.

    `template` names a pair: notifications/email/<template>.txt and .html. Undeliverable
    addresses (service accounts) are left out: the copies still go to the addresses copied
    in, and with nobody left to send to nothing is queued (None).
    """
    copies = sorted({c for c in (cc or []) if deliverable(c) and c.lower() != to.lower()})
    if not deliverable(to):
        if not copies:
            return None
        to, copies = copies[0], copies[1:]
    context = {**context, "site_url": settings.SITE_URL, "subject": subject}
    email = Email.objects.create(
        recipient=recipient,
        to=to,
        cc=copies,
        subject=subject,
        body_text=render_to_string(f"notifications/email/{template}.txt", context),
        body_html=render_to_string(f"notifications/email/{template}.html", context),
    )
    outbox_enqueue(task=tasks.send_email, kwargs={"email_id": email.pk})
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
