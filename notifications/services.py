"""Tell people things: in-portal notifications and the e-mail that carries them.

An e-mail is kept as a row and sent by a task fed from the outbox, so a broker that is away
never loses it (outbox/services.py). The e-mails of one event (everyone a comment, a decision
or an opening round tells) are written together and share one outbox row, which one task
sends over one mail connection: `notify_many`.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.template.loader import get_template

from isf_portal.domain import is_service_account_address
from outbox.services import outbox_enqueue

from . import tasks
from .models import Email, Notification
from .signals import notifications_created


def deliverable(address: str | None) -> bool:
    """Whether mail to `address` can reach anyone: never a service account's, whose
    undeliverable addresses (isf_portal.domain.SERVICE_ACCOUNT_DOMAIN) nobody reads, though
    they hold roles and so are among the people an event tells."""
    if not address:
        return False
    return not is_service_account_address(address)


def _email(*, to, subject, template, context, recipient=None, cc=None) -> Email | None:
    """The unsaved e-mail (plain text and HTML rendered), or None when nobody can receive it:
    undeliverable addresses (service accounts) are left out, the copies still go to the
    addresses copied in."""
    copies = sorted({c for c in (cc or []) if deliverable(c) and c.lower() != to.lower()})
    if not deliverable(to):
        if not copies:
            return None
        to, copies = copies[0], copies[1:]
    context = {**context, "site_url": settings.SITE_URL, "subject": subject}
    # The cached template loader keeps compiled templates; get_template is then a lookup.
    return Email(
        recipient=recipient,
        to=to,
        cc=copies,
        subject=subject,
        body_text=get_template(f"notifications/email/{template}.txt").render(context),
        body_html=get_template(f"notifications/email/{template}.html").render(context),
    )


def _insert(model, rows: list) -> bool:
    """Insert `rows` in one statement where the database hands back their ids (PostgreSQL,
    SQLite 3.35+), one by one elsewhere. Returns whether it was in one statement, which
    sends no model signals."""
    if not rows:
        return False
    if connection.features.can_return_rows_from_bulk_insert:
        model.objects.bulk_create(rows)
        return True
    for row in rows:
        row.save()
    return False


def _queue(emails: list[Email]) -> None:
    """One outbox row sends these e-mails (saved already) together."""
    if len(emails) == 1:
        outbox_enqueue(task=tasks.send_email, kwargs={"email_id": emails[0].pk})
    elif emails:
        outbox_enqueue(task=tasks.send_email, kwargs={"email_ids": [e.pk for e in emails]})


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
    email = _email(
        to=to, subject=subject, template=template, context=context, recipient=recipient, cc=cc
    )
    if email is None:
        return None
    email.save()
    _queue([email])
    return email


@dataclass
class Notice:
    """One person to tell: what `notify` takes, for `notify_many`."""

    user: object
    kind: str
    title: str
    url: str
    template: str
    context: dict
    body: str = ""
    cc: list[str] | None = None
    send_email: bool = True
    email: Email | None = field(default=None, init=False)


def notify_many(notices: list[Notice]) -> list[Notification]:
    """Tell each person of `notices` as `notify` would, together: their e-mails inserted in
    one statement and sent by one task (one outbox row), their notifications in one more,
    and the navigation's unread counts of them all forgotten at once."""
    for notice in notices:
        if notice.send_email and notice.user.is_active:
            notice.email = _email(
                to=notice.user.email,
                cc=notice.cc,
                subject=notice.title,
                template=notice.template,
                context={
                    **notice.context,
                    "url": settings.SITE_URL + notice.url,
                    "title": notice.title,
                    "user": notice.user,
                },
                recipient=notice.user,
            )
    emails = [n.email for n in notices if n.email is not None]
    _insert(Email, emails)
    _queue(emails)
    notifications = [
        Notification(
            user=n.user, kind=n.kind, title=n.title[:250], body=n.body, url=n.url, email=n.email
        )
        for n in notices
    ]
    if _insert(Notification, notifications):
        # What post_save would have told the navigation, once for them all.
        notifications_created.send(
            sender=Notification, user_ids=sorted({n.user_id for n in notifications})
        )
    return notifications


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
    notice = Notice(
        user=user,
        kind=kind,
        title=title,
        url=url,
        template=template,
        context=context,
        body=body,
        cc=cc,
        send_email=send_email,
    )
    return notify_many([notice])[0]
