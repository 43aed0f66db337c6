"""Who hears of what happens to a proposal: its lead (the submitter and those of the lead
organisation the EDIT row allows, who answer for it) and the people of an organisation invited
to take part. Each is told in the portal and, unless said otherwise, by e-mail."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from isf_portal.compiled import CompiledRead
from notifications.models import NotificationKind
from notifications.services import Notice, email_send, notify_many
from organisations.models import Membership, User

from .permissions import POLICY, Action


def lead_people(p) -> list:
    """The active people of the lead organisation the EDIT row allows, and the submitter (if
    active), by id: one query."""
    if p.submitted_by_id:
        return _LEAD_AND_SUBMITTER.instances(
            organisation_id=p.lead_organisation_id, submitter_id=p.submitted_by_id
        )
    return _LEAD.instances(organisation_id=p.lead_organisation_id)


def _lead_people(organisation_id, submitter_id=None):
    holders = Membership.objects.filter(
        POLICY[Action.EDIT].holders_q(), organisation_id=organisation_id
    ).values("user_id")
    who = Q(pk__in=holders)
    if submitter_id is not None:
        who |= Q(pk=submitter_id)
    return User.objects.filter(who, is_active=True).order_by("pk")


# Compiled once (isf_portal/compiled.py): every comment, endorsement and decision tells them.
_LEAD = CompiledRead(_lead_people, organisation_id=int)
_LEAD_AND_SUBMITTER = CompiledRead(_lead_people, organisation_id=int, submitter_id=int)


def lead_tell(
    p, *, kind, title: str, url: str, template: str, context: dict, body="", exclude=()
) -> int:
    """Tell the proposal's lead people (but `exclude`, a collection of user ids), the lead
    organisation's IG mailbox copied on each e-mail."""
    notices = [
        Notice(
            user=user,
            kind=kind,
            title=title,
            url=url,
            template=template,
            context={"proposal": p, **context},
            body=body,
            cc=[p.lead_organisation.ig_mailbox],
        )
        for user in lead_people(p)
        if user.pk not in exclude
    ]
    notify_many(notices)
    return len(notices)


def lead_tell_activity(p, *, title: str, quote: str = "", by) -> None:
    """A party's comment or endorsement of the vision statement, told to the lead."""
    lead_tell(
        p,
        kind=NotificationKind.OTHER,
        title=title,
        url=reverse("requests:vision", args=[p.reference]),
        template="proposal_activity",
        context={"quote": quote, "by": by},
        body=quote,
        exclude={by.pk},
    )


def invited_tell(p, participant, *, by) -> None:
    """An organisation invited to take part: its contact by e-mail (and in the portal when
    they have an account there, so it is listed among the e-mails sent to them), its IG
    mailbox copied; its other members whom the COMMENT row allows in the portal."""
    path = reverse("requests:detail", args=[p.reference])
    organisation = participant.organisation
    subject = _("%(org)s has invited you to a data-sharing proposal: %(title)s") % {
        "org": p.lead_organisation.name,
        "title": p.title,
    }
    context = {"proposal": p, "participant": participant, "by": by, "path": path}
    members = [
        m.user
        for m in Membership.objects.filter(
            POLICY[Action.COMMENT].holders_q(), organisation=organisation, user__is_active=True
        ).select_related("user")
    ]
    contact = next(
        (u for u in members if u.email.lower() == participant.contact_email.lower()), None
    )
    notices = []
    if contact is not None:
        notices.append(
            Notice(
                user=contact,
                kind=NotificationKind.OTHER,
                title=subject,
                url=path,
                template="proposal_invited",
                context=context,
                cc=[organisation.ig_mailbox],
            )
        )
    else:
        email_send(
            to=participant.contact_email,
            cc=[organisation.ig_mailbox],
            subject=subject,
            template="proposal_invited",
            context=context,
        )
    notices += [
        Notice(
            user=user,
            kind=NotificationKind.OTHER,
            title=subject,
            url=path,
            template="proposal_invited",
            context=context,
            send_email=False,
        )
        for user in members
        if user != contact
    ]
    notify_many(notices)
