"""Writes for proposals. Each is one guarded function: lock the proposal, check its state
and the user's right, change, audit, then side effects after commit."""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit
from notifications.services import email_send
from organisations.models import Organisation
from outbox.services import outbox_enqueue

from . import permissions, snapshot
from .choices import EDITABLE_STATUSES, ProposalStatus, Section, SectionStatus
from .completeness import all_problems, section_problems
from .events import proposal_event, proposal_locked
from .models import (
    Endorsement,
    LawfulBasis,
    Participant,
    Proposal,
    ProposalVersion,
    ReferenceCounter,
    SectionState,
    VisionComment,
    VisionStatement,
)
from .tasks import open_review_round

# Sent after commit when a proposal is submitted; the review workflow listens.
proposal_submitted = Signal()


@dataclass
class ConflictError(DomainError):
    """Someone else saved the same section since this form was opened."""

    who: str
    when: datetime

    def __str__(self):
        return _(
            "%(who)s saved this section at %(when)s, after you opened it. Your answers are "
            "below and have not been saved: check them against the saved version, then save "
            "again to replace it."
        ) % {"who": self.who, "when": timezone.localtime(self.when).strftime("%H:%M")}


class SubmitBlocked(DomainError):
    def __init__(self, problems):
        super().__init__(_("The proposal is not complete"))
        self.problems = problems


def next_reference(prefix: str) -> str:
    """ISF-2026-0001: unique per prefix and year, never reused (the counter only grows)."""
    year = timezone.localdate().year
    with transaction.atomic():
        counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
            prefix=prefix, year=year
        )
        counter.last_number += 1
        counter.save(update_fields=["last_number"])
    return f"{prefix}-{year}-{counter.last_number:04d}"


def _require_editable(proposal, by):
    if proposal.status not in EDITABLE_STATUSES:
        raise DomainError(
            _("This proposal is %(status)s and cannot be changed until it is sent back.")
            % {"status": proposal.get_status_display().lower()}
        )
    if not permissions.may(by, permissions.Action.EDIT, proposal):
        raise DomainError(_("Only members of the lead organisation can change this proposal."))


def proposal_create(*, lead_organisation: Organisation, title: str, by) -> Proposal:
    """Start a draft. The author must be a member (role) of the lead organisation."""
    if not permissions.may_start(by, lead_organisation):
        raise DomainError(
            _("Only members of %(org)s can start a proposal for it.")
            % {"org": lead_organisation.name}
        )
    with transaction.atomic():
        proposal = Proposal(
            reference=next_reference("ISF"),
            lead_organisation=lead_organisation,
            created_by=by,
            title=title.strip(),
        )
        audit(proposal, reason="isf.proposal.created", by=by)
        proposal.save()
        VisionStatement.objects.create(proposal=proposal)
        SectionState.objects.bulk_create(
            [SectionState(proposal=proposal, section=s) for s in Section]
        )
        lead = Participant(
            proposal=proposal,
            organisation=lead_organisation,
            is_lead=True,
            contact_name=by.full_name,
            contact_email=by.email,
        )
        audit(lead, reason="isf.participant.lead", by=by)
        lead.save()
        permissions.proposal_grant_party(
            proposal=proposal, organisation=lead_organisation, lead=True
        )
        proposal_event(
            proposal,
            by=by,
            kind="created",
            description=_("Proposal started"),
            organisation=lead_organisation,
        )
        _touch(proposal, Section.PURPOSE, by=by)
    return proposal


def _touch(proposal, section: str, *, by) -> SectionState:
    """A section changed: bump its revision, mark it started, re-check a completed one."""
    state = SectionState.objects.select_for_update().get(proposal=proposal, section=section)
    state.revision += 1
    state.updated_by = by
    if (
        state.status == SectionStatus.NOT_STARTED
        or state.status == SectionStatus.COMPLETED
        and section_problems(proposal, section)
    ):
        state.status = SectionStatus.IN_PROGRESS
    audit(state, reason="isf.section.changed", by=by)
    state.save()
    Proposal.objects.filter(pk=proposal.pk).update(last_activity_at=timezone.now())
    return state


def _conflict(proposal, section: str) -> ConflictError:
    """The conflict with whoever saved `section` last."""
    state = SectionState.objects.select_related("updated_by").get(
        proposal=proposal, section=section
    )
    return ConflictError(
        who=state.updated_by.full_name if state.updated_by else _("Someone"),
        when=state.updated_at,
    )


def _check_revision(proposal, section: str, revision: int | None):
    if revision is None:
        return
    if section_revision(proposal, section) != revision:
        raise _conflict(proposal, section)


def section_revision(proposal, section: str) -> int:
    return SectionState.objects.get(proposal=proposal, section=section).revision


def proposal_update(
    *, proposal: Proposal, section: str, data: dict, by, revision: int | None
) -> Proposal:
    """Save answers of one section (fields of the proposal itself)."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        _require_editable(p, by)
        _check_revision(p, section, revision)
        changed = [field for field, value in data.items() if getattr(p, field) != value]
        for field in changed:
            setattr(p, field, data[field])
        if changed:
            audit(p, reason=f"isf.proposal.{section}_saved", by=by)
            p.save(update_fields=changed)
        _touch(p, section, by=by)
    return p


def vision_update(*, proposal: Proposal, parts: dict, by, revision: int | None):
    """Save the vision statement; every saved version is kept in its history."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        _require_editable(p, by)
        _check_revision(p, Section.PURPOSE, revision)
        vision = VisionStatement.objects.select_for_update().get(proposal=p)
        changed = [
            k for k in VisionStatement.PARTS if k in parts and getattr(vision, k) != parts[k]
        ]
        if changed:
            for key in changed:
                setattr(vision, key, parts[key])
            audit(vision, reason="isf.vision.saved", by=by)
            vision.save()
            proposal_event(
                p,
                by=by,
                kind="vision",
                description=_("Vision statement updated"),
                organisation=p.lead_organisation,
            )
        _touch(p, Section.PURPOSE, by=by)
    return vision


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
        _require_editable(p, by)
        adding = instance.pk is None
        if not adding:
            _check_revision(p, section, revision)
        if not adding and instance.proposal_id != p.pk:
            raise DomainError(_("That item belongs to another proposal."))
        for field, value in data.items():
            setattr(instance, field, value)
        instance.proposal = p
        audit(instance, reason=f"isf.{kind}.{'added' if adding else 'changed'}", by=by)
        instance.save()
        _touch(p, section, by=by)
    return instance


def item_remove(*, proposal: Proposal, section: str, instance, by, kind: str):
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        _require_editable(p, by)
        if instance.proposal_id != p.pk:
            raise DomainError(_("That item belongs to another proposal."))
        audit(instance, reason=f"isf.{kind}.removed", by=by)
        instance.delete()
        _touch(p, section, by=by)


def participant_save(
    *, proposal: Proposal, instance: Participant, data: dict, by, revision: int | None = None
):
    """Invite an organisation to take part (or change its part). Its people can then see
    the draft, and its members comment on and endorse the vision statement."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        _require_editable(p, by)
        adding = instance.pk is None
        if not adding:
            _check_revision(p, Section.WHO, revision)
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
                organisation=instance.organisation,
            )
            _notify_invited(p, instance, by=by)
        _touch(p, Section.WHO, by=by)
    return instance


def _notify_invited(proposal, participant, *, by):
    url = reverse("requests:detail", args=[proposal.reference])
    email_send(
        to=participant.contact_email,
        cc=[participant.organisation.ig_mailbox],
        subject=_("%(org)s has invited you to a data-sharing proposal: %(title)s")
        % {"org": proposal.lead_organisation.name, "title": proposal.title},
        template="proposal_invited",
        context={"proposal": proposal, "participant": participant, "by": by, "path": url},
    )


def participant_remove(*, proposal: Proposal, instance: Participant, by):
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        _require_editable(p, by)
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
            organisation=organisation,
        )
        _touch(p, Section.WHO, by=by)


def lawful_basis_save(*, proposal: Proposal, instance, data: dict, by, revision: int | None = None):
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        _require_editable(p, by)
        if instance.pk:
            _check_revision(p, Section.PRACTICAL, revision)
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
            raise _conflict(p, Section.PRACTICAL) from None
        _touch(p, Section.PRACTICAL, by=by)
    return instance


def dpia_attach(*, proposal: Proposal, reference: str, upload, by, revision: int | None):
    """Record the DPIA reference and/or the DPIA document (already checked by the form)."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        _require_editable(p, by)
        _check_revision(p, Section.PRACTICAL, revision)
        p.dpia_reference = reference
        fields = ["dpia_reference"]
        if upload is not None:
            replaced = p.dpia_file.name if p.dpia_file else ""
            p.dpia_file.save(f"{p.reference}-dpia.{upload.isf_extension}", upload, save=False)
            if replaced:
                # The old file goes only once the new one is on record.
                storage = p.dpia_file.storage
                transaction.on_commit(lambda: storage.delete(replaced))
            p.dpia_file_name = upload.name[:200]
            fields += ["dpia_file", "dpia_file_name"]
        audit(p, reason="isf.proposal.dpia_saved", by=by)
        p.save(update_fields=fields)
        _touch(p, Section.PRACTICAL, by=by)
    return p


def section_mark(*, proposal: Proposal, section: str, completed: bool, by) -> SectionState:
    """'Have you completed this section?' A section with problems cannot be completed."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        _require_editable(p, by)
        state = SectionState.objects.select_for_update().get(proposal=p, section=section)
        if completed:
            problems = section_problems(p, section)
            if problems:
                raise SubmitBlocked(problems)
        new_status = SectionStatus.COMPLETED if completed else SectionStatus.IN_PROGRESS
        if state.status != new_status:
            state.status = new_status
            state.updated_by = by
            audit(state, reason="isf.section.marked", by=by)
            state.save()
            if completed:
                proposal_event(
                    p,
                    by=by,
                    kind="section_completed",
                    description=_("%(section)s section completed")
                    % {"section": Section(section).label},
                    organisation=p.lead_organisation,
                )
        Proposal.objects.filter(pk=p.pk).update(last_activity_at=timezone.now())
    return state


def comment_add(*, proposal: Proposal, organisation: Organisation, text: str, by) -> VisionComment:
    """A member of a party comments on the vision statement."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        if p.status in (ProposalStatus.WITHDRAWN, ProposalStatus.DECLINED):
            raise DomainError(_("This proposal is closed to comments."))
        _require_party_member(p, organisation, by)
        comment = VisionComment(proposal=p, author=by, organisation=organisation, text=text)
        audit(comment, reason="isf.vision.commented", by=by)
        comment.save()
        proposal_event(
            p,
            by=by,
            kind="comment",
            description=_("Comment on the vision statement from %(org)s") % {"org": organisation},
            organisation=organisation,
        )
        Proposal.objects.filter(pk=p.pk).update(last_activity_at=timezone.now())
    return comment


def endorse(*, proposal: Proposal, organisation: Organisation, by) -> Endorsement:
    """A partner endorses the vision statement as it stands now (recorded with its text)."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
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
        audit(endorsement, reason="isf.vision.endorsed", by=by)
        endorsement.save()
        proposal_event(
            p,
            by=by,
            kind="endorsement",
            description=_("Vision statement endorsed for %(org)s") % {"org": organisation},
            organisation=organisation,
        )
        Proposal.objects.filter(pk=p.pk).update(last_activity_at=timezone.now())
    return endorsement


def _require_party_member(proposal, organisation, by):
    if organisation.pk not in permissions.acting_for(by, permissions.Action.COMMENT, proposal):
        raise DomainError(_("Only members of the organisations taking part can do this."))


def proposal_submit(*, proposal: Proposal, by) -> ProposalVersion:
    """Validate all seven sections, freeze a version and put the proposal in review."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        _require_editable(p, by)
        problems = all_problems(p)
        if problems:
            raise SubmitBlocked([problem for found in problems.values() for problem in found])
        number = (p.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = ProposalVersion.objects.create(
            proposal=p, number=number, snapshot=snapshot.build(p), created_by=by
        )
        p.status = ProposalStatus.IN_REVIEW
        p.submitted_at = timezone.now()
        p.submitted_by = by
        p.last_activity_at = p.submitted_at
        audit(p, reason="isf.proposal.submitted", by=by)
        p.save(update_fields=["status", "submitted_at", "submitted_by", "last_activity_at"])
        permissions.proposal_grant_steering(proposal=p)
        proposal_event(
            p,
            by=by,
            kind="submitted",
            description=_("Submitted for review (version %(n)s)") % {"n": number},
            organisation=p.lead_organisation,
        )
        # Opening the review round is recorded here, in the same transaction, so it cannot
        # be lost if the broker is away; the worker opens it (requests.open_review_round).
        outbox_enqueue(task=open_review_round, kwargs={"version_id": version.pk})
        transaction.on_commit(
            lambda: proposal_submitted.send(sender=Proposal, proposal=p, version=version)
        )
    return version


def proposal_withdraw(*, proposal: Proposal, by, reason: str) -> Proposal:
    """The lead organisation withdraws a draft, a proposal sent back, or one in review (its
    round closes and everyone still waiting is told)."""
    from .rounds.rounds import round_withdraw

    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        if not permissions.may(by, permissions.Action.EDIT, p):
            raise DomainError(_("Only members of the lead organisation can withdraw it."))
        if p.status not in (
            ProposalStatus.DRAFT,
            ProposalStatus.CHANGES_REQUESTED,
            ProposalStatus.IN_REVIEW,
        ):
            raise DomainError(
                _("A proposal that is %(status)s cannot be withdrawn.")
                % {"status": p.get_status_display().lower()}
            )
        if p.status == ProposalStatus.IN_REVIEW:
            round_withdraw(proposal=p, by=by, reason=reason)
        p.status = ProposalStatus.WITHDRAWN
        p.last_activity_at = timezone.now()
        audit(p, reason="isf.proposal.withdrawn", by=by)
        p.save(update_fields=["status", "last_activity_at"])
        proposal_event(
            p,
            by=by,
            kind="withdrawn",
            description=_("Withdrawn: %(reason)s") % {"reason": reason},
            organisation=p.lead_organisation,
        )
    return p
