"""Telling an agreement's parties: for each party, those whose role allows an action (by
default OVERSEE, its governance officers), with the organisation's IG mailbox copied, or the
IG mailbox or DPO where nobody on the portal holds the role. The lifecycle, sealing, recording
and the parties' consents all tell the parties through here."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from notifications.models import NotificationKind
from notifications.services import email_send, notify

from . import permissions
from .models import Agreement


def lifecycle_url(agreement: Agreement) -> str:
    return reverse("agreements:lifecycle", args=[agreement.reference])


def tell_parties(
    agreement: Agreement,
    *,
    kind: str,
    title: str,
    template: str,
    context: dict,
    exclude=None,
    url: str | None = None,
    action: permissions.Action = permissions.Action.OVERSEE,
    parties=None,
) -> int:
    """Tell those who oversee it for each party (the OVERSEE row: its governance officers;
    `action` names another row, `parties` limits it to some parties),
    their organisation's IG mailbox copied. A party with nobody to tell on the portal hears
    through its IG mailbox, or its DPO. The link goes to `url`, by default the agreement's
    lifecycle page."""
    told = 0
    seen = {exclude.pk} if exclude is not None else set()
    url = url or lifecycle_url(agreement)
    if parties is None:
        parties = agreement.parties.select_related("organisation")
    for party in parties:
        organisation = party.organisation
        officers = [
            m.user
            for m in permissions.holders(action, agreement, party=party)
            .filter(user__is_active=True)
            .select_related("user")
        ]
        party_context = {
            **context,
            "agreement": agreement,
            "party": party,
            "organisation": organisation,
        }
        if not officers:
            address = organisation.ig_mailbox or organisation.dpo_email
            if address:
                email_send(
                    to=address,
                    subject=title,
                    template=template,
                    context={**party_context, "url": _absolute(url), "title": title},
                )
                told += 1
            continue
        for user in officers:
            if user.pk in seen:
                continue
            seen.add(user.pk)
            notify(
                user=user,
                kind=kind,
                title=title,
                url=url,
                template=template,
                context=party_context,
                cc=[organisation.ig_mailbox],
            )
            told += 1
    return told


def tell_update(
    agreement: Agreement,
    *,
    message: str,
    reason: str = "",
    exclude=None,
    template: str = "agreement_update",
    **who,
) -> int:
    """Tell the parties (tell_parties; `who` narrows it: url, action, parties) what happened
    to the agreement, as "<reference> <title>: <message>" with the reason below it."""
    return tell_parties(
        agreement,
        kind=NotificationKind.AGREEMENT,
        title=_("%(ref)s %(title)s: %(message)s")
        % {"ref": agreement.reference, "title": agreement.title, "message": message},
        template=template,
        context={"message": message, "reason": reason},
        exclude=exclude,
        **who,
    )


def _absolute(path: str) -> str:
    return settings.SITE_URL + path
