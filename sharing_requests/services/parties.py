"""The organisations taking part in a proposal: inviting them (their people can then see
the draft) and removing them."""

from django.db import transaction
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit

from .. import permissions
from ..choices import Section
from ..events import proposal_event, proposal_locked
from ..models import Participant, Proposal
from ..notices import invited_tell
from .sections import require_editable, revision_check, section_touch


def participant_save(
    *, proposal: Proposal, instance: Participant, data: dict, by, revision: int | None = None
):
    """Invite an organisation to take part (or change its part). Its people can then see
    the draft, and its members comment on and endorse the vision statement."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        require_editable(p, by)
        adding = instance.pk is None
        if not adding:
            revision_check(p, Section.WHO, revision)
        organisation = data.get("organisation", instance.organisation if not adding else None)
        if adding and p.participants.filter(organisation=organisation).exists():
            raise DomainError(
                _("%(org)s is already taking part in this proposal") % {"org": organisation}
            )
        for field, value in data.items():
            if field == "organisation" and not adding:
                continue  # an invited organisation is removed, not swapped
            setattr(instance, field, value)
        instance.proposal = p
        audit(
            instance,
            reason="isf.participant.invited" if adding else "isf.participant.changed",
            by=by,
        )
        instance.save()
        if adding:
            permissions.proposal_grant_party(
                proposal=p, organisation=instance.organisation, lead=False
            )
            proposal_event(
                p,
                by=by,
                kind="partner_invited",
                description=_("%(org)s invited to take part") % {"org": instance.organisation},
                # The organisation the actor acted for (the lead's people invite), not the
                # one invited: the timeline shows it as "by <name>, <organisation>".
                organisation=p.lead_organisation,
            )
            invited_tell(p, instance, by=by)
        section_touch(p, Section.WHO, by=by)
    return instance


def participant_remove(*, proposal: Proposal, instance: Participant, by):
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        require_editable(p, by)
        if instance.is_lead:
            raise DomainError(_("The lead organisation cannot be removed."))
        organisation = instance.organisation
        audit(instance, reason="isf.participant.removed", by=by)
        instance.delete()
        permissions.proposal_revoke_party(proposal=p, organisation=organisation)
        proposal_event(
            p,
            by=by,
            kind="partner_removed",
            description=_("%(org)s removed from the proposal") % {"org": organisation},
            organisation=p.lead_organisation,
        )
        section_touch(p, Section.WHO, by=by)
