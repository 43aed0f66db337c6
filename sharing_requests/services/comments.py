"""What the parties say about the vision statement: their members' comments and the
partners' endorsements."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit
from organisations.models import Organisation

from .. import permissions
from ..choices import EDITABLE_STATUSES, ProposalStatus
from ..events import proposal_event, proposal_locked
from ..models import Endorsement, Proposal, VisionComment
from ..notices import lead_tell_activity


def comment_add(*, proposal: Proposal, organisation: Organisation, text: str, by) -> VisionComment:
    """A member of a party comments on the vision statement."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk, for_event=True)
        if p.status in (ProposalStatus.WITHDRAWN, ProposalStatus.DECLINED):
            raise DomainError(_("This proposal is closed to comments."))
        _require_party_member(p, organisation, by)
        comment = VisionComment(proposal=p, author=by, organisation=organisation, text=text)
        _save_with_event(
            p,
            comment,
            reason="isf.vision.commented",
            by=by,
            kind="comment",
            description=_("Comment on the vision statement from %(org)s") % {"org": organisation},
            organisation=organisation,
        )
        lead_tell_activity(
            p,
            title=_("%(org)s commented on the vision statement of %(ref)s")
            % {"org": organisation.name, "ref": p.reference},
            quote=text,
            by=by,
        )
    return comment


def endorse(*, proposal: Proposal, organisation: Organisation, by) -> Endorsement:
    """A partner endorses the vision statement as it stands now (recorded with its text)."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk, for_event=True)
        if p.status not in EDITABLE_STATUSES:
            raise DomainError(_("Endorsements close when the proposal is submitted."))
        _require_party_member(p, organisation, by)
        if organisation.pk == p.lead_organisation_id:
            raise DomainError(_("Partner organisations endorse the vision; the lead writes it."))
        if not p.vision.is_complete:
            raise DomainError(_("The vision statement is not finished yet."))
        existing = Endorsement.objects.filter(proposal=p, user=by, organisation=organisation)
        if existing.filter(statement=p.vision.text).exists():
            raise DomainError(_("You have already endorsed this version of the statement."))
        existing.delete()
        endorsement = Endorsement(
            proposal=p, user=by, organisation=organisation, statement=p.vision.text
        )
        _save_with_event(
            p,
            endorsement,
            reason="isf.vision.endorsed",
            by=by,
            kind="endorsement",
            description=_("Vision statement endorsed for %(org)s") % {"org": organisation},
            organisation=organisation,
        )
        lead_tell_activity(
            p,
            title=_("%(org)s endorsed the vision statement of %(ref)s")
            % {"org": organisation.name, "ref": p.reference},
            by=by,
        )
    return endorsement


def _require_party_member(proposal, organisation, by):
    # Read after the lock, in a statement of its own: a partner removed while we waited for
    # it is seen gone (participant_remove holds the same lock).
    if not permissions.acts_for(by, permissions.Action.COMMENT, proposal, organisation):
        raise DomainError(_("Only members of the organisations taking part can do this."))


def _save_with_event(p, record, *, reason, by, kind, description, organisation):
    """Saves a party's comment or endorsement (audited), puts it on the proposal's timeline
    and marks the proposal active, inside the caller's transaction. `p` is the proposal
    proposal_locked has just read: its chain head is not read again, and the new head and
    the activity time are written in one UPDATE."""
    audit(record, reason=reason, by=by)
    record.save()
    proposal_event(
        p,
        by=by,
        kind=kind,
        description=description,
        organisation=organisation,
        locked=True,
        also={"last_activity_at": timezone.now()},
    )
