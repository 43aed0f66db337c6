"""Saving a section's answers: the editable check every write makes, the revision that tells
a user someone else saved the section since they opened it, and completing a section."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit

from .. import permissions
from ..choices import EDITABLE_STATUSES, Section, SectionStatus
from ..completeness import section_problems
from ..events import proposal_event, proposal_locked
from ..models import Proposal, SectionState, VisionStatement


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


def require_editable(proposal, by):
    """Every write to a draft: the proposal is editable, and `by` may edit it."""
    if proposal.status not in EDITABLE_STATUSES:
        raise DomainError(
            _("This proposal is %(status)s and cannot be changed until it is sent back.")
            % {"status": proposal.get_status_display().lower()}
        )
    if not permissions.may(by, permissions.Action.EDIT, proposal):
        raise DomainError(_("Only members of the lead organisation can change this proposal."))


def section_touch(proposal, section: str, *, by) -> SectionState:
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


def section_conflict(proposal, section: str) -> ConflictError:
    """The conflict with whoever saved `section` last."""
    state = SectionState.objects.select_related("updated_by").get(
        proposal=proposal, section=section
    )
    return ConflictError(
        who=state.updated_by.full_name if state.updated_by else _("Someone"),
        when=state.updated_at,
    )


def revision_check(proposal, section: str, revision: int | None):
    """Raise the conflict if `section` was saved since the form showing `revision` opened."""
    if revision is None:
        return
    if section_revision(proposal, section) != revision:
        raise section_conflict(proposal, section)


def section_revision(proposal, section: str) -> int:
    return SectionState.objects.get(proposal=proposal, section=section).revision


def proposal_update(
    *, proposal: Proposal, section: str, data: dict, by, revision: int | None
) -> Proposal:
    """Save answers of one section (fields of the proposal itself)."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        require_editable(p, by)
        revision_check(p, section, revision)
        changed = [field for field, value in data.items() if getattr(p, field) != value]
        for field in changed:
            setattr(p, field, data[field])
        if changed:
            audit(p, reason=f"isf.proposal.{section}_saved", by=by)
            p.save(update_fields=changed)
        section_touch(p, section, by=by)
    return p


def vision_update(*, proposal: Proposal, parts: dict, by, revision: int | None):
    """Save the vision statement; every saved version is kept in its history."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        require_editable(p, by)
        revision_check(p, Section.PURPOSE, revision)
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
        section_touch(p, Section.PURPOSE, by=by)
    return vision


def dpia_attach(*, proposal: Proposal, reference: str, upload, by, revision: int | None):
    """Record the DPIA reference and/or the DPIA document (already checked by the form)."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        require_editable(p, by)
        revision_check(p, Section.PRACTICAL, revision)
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
        section_touch(p, Section.PRACTICAL, by=by)
    return p


def section_mark(*, proposal: Proposal, section: str, completed: bool, by) -> SectionState:
    """'Have you completed this section?' A section with problems cannot be completed."""
    with transaction.atomic():
        p = proposal_locked(proposal.pk)
        require_editable(p, by)
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
