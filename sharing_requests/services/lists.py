"""Rows of a proposal's repeating lists: data items, outcomes, actions and the like, and
each party's lawful basis for each direction of sharing."""

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit

from .. import permissions
from ..choices import ProposalStatus, Section
from ..events import proposal_event, proposal_locked
from ..models import Action, LawfulBasis, Proposal
from .sections import require_editable, revision_check, section_conflict, section_touch


def item_save(
    *,
    proposal: Proposal,
    section: str,
    instance,
    data: dict,
    by,
    kind: str,
    revision: int | None = None,
):
    """Add or change one row of a repeating list (data items, outcomes, actions...).

    Changing a row checks the section's revision; adding never conflicts."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        require_editable(p, by)
        adding = instance.pk is None
        if not adding:
            revision_check(p, section, revision)
        if not adding and instance.proposal_id != p.pk:
            raise DomainError(_("That item belongs to another proposal."))
        for field, value in data.items():
            setattr(instance, field, value)
        instance.proposal = p
        audit(instance, reason=f"isf.{kind}.{'added' if adding else 'changed'}", by=by)
        instance.save()
        section_touch(p, section, by=by)
    return instance


def item_remove(*, proposal: Proposal, section: str, instance, by, kind: str):
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        require_editable(p, by)
        if instance.proposal_id != p.pk:
            raise DomainError(_("That item belongs to another proposal."))
        audit(instance, reason=f"isf.{kind}.removed", by=by)
        instance.delete()
        section_touch(p, section, by=by)


def lawful_basis_save(*, proposal: Proposal, instance, data: dict, by, revision: int | None = None):
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        require_editable(p, by)
        if instance.pk:
            revision_check(p, Section.PRACTICAL, revision)
        if instance.participant.proposal_id != p.pk:
            raise DomainError(_("That organisation is not taking part in this proposal."))
        for field, value in data.items():
            setattr(instance, field, value)
        audit(instance, reason="isf.lawful_basis.saved", by=by)
        try:
            # A savepoint: if the insert fails, this transaction (and the caller's) goes on.
            with transaction.atomic():
                instance.save()
        except IntegrityError:
            # Someone added this party's basis for this direction while this one was being
            # filled in (one basis each: lawful_basis_unique). A conflict like any other:
            # the user's answers are kept, and saving them again replaces the other basis.
            if not LawfulBasis.objects.filter(
                participant_id=instance.participant_id, direction=instance.direction
            ).exists():
                raise
            raise section_conflict(p, Section.PRACTICAL) from None
        section_touch(p, Section.PRACTICAL, by=by)
    return instance


def action_mark(*, action: Action, by, done: bool) -> Action:
    """The action's owner says it is done (or, undoing a slip, not yet): when and by whom are
    kept, and the proposal's timeline says so. Any time but once the proposal is withdrawn
    or declined: actions are what must happen before, and while, the sharing starts."""
    with transaction.atomic():
        p = proposal_locked(action.proposal_id)
        # The proposal's row lock serialises every write to its actions.
        a = Action.objects.select_related("owner_organisation").get(pk=action.pk, proposal=p)
        a.proposal = p
        if p.status in (ProposalStatus.WITHDRAWN, ProposalStatus.DECLINED):
            raise DomainError(_("This proposal has ended: its actions cannot be changed."))
        if not permissions.may_mark_action(by, a):
            raise DomainError(_("Only the action's owner organisation can say it is done."))
        if done == (a.done_at is not None):
            return a  # already so: nothing to record
        a.done_at = timezone.now() if done else None
        a.done_by = by if done else None
        audit(a, reason="isf.action.done" if done else "isf.action.reopened", by=by)
        a.save(update_fields=["done_at", "done_by"])
        proposal_event(
            p,
            by=by,
            organisation=a.owner_organisation,
            kind="action",
            description=(
                _("Action done: %(action)s") if done else _("Action not done yet: %(action)s")
            )
            % {"action": a.description},
        )
    return a
