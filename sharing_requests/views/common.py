"""What every proposal page shares: finding the proposal for this user, the section pages'
context, and turning domain errors into form errors."""

import functools
from collections.abc import Callable

from django.shortcuts import render
from django.urls import reverse

from isf_portal.domain import DomainError

from .. import permissions
from ..choices import SECTION_SUMMARIES, Section
from ..services import ConflictError, section_revision


def proposal_context(request, proposal, **extra) -> dict:
    return {
        "proposal": proposal,
        "can_edit": permissions.can_edit(request, proposal),
        "can_change": permissions.may(request, permissions.Action.EDIT, proposal),
        **extra,
    }


def editable_proposal(request, reference):
    """The proposal, for a page that changes it: 404 for outsiders, 403 for partners and
    read-only members, and a clear page when it is not open for editing."""
    proposal = permissions.proposal_for(request, reference)
    permissions.require(request, permissions.Action.EDIT, proposal)
    return proposal


def not_editable(request, proposal):
    return render(
        request,
        "sharing_requests/not_editable.html",
        proposal_context(request, proposal),
        status=409,
    )


def editing_proposal(view):
    """For a page that changes a proposal: the view is given the proposal instead of its
    reference, once `editable_proposal` has let the user in, and is not called at all when the
    proposal is not open for editing (the "cannot be changed now" page answers instead)."""

    @functools.wraps(view)
    def with_proposal(request, reference, *args, **kwargs):
        proposal = editable_proposal(request, reference)
        if not proposal.is_editable:
            return not_editable(request, proposal)
        return view(request, proposal, *args, **kwargs)

    return with_proposal


def section_url(proposal, section) -> str:
    return reverse("requests:section", args=[proposal.reference, section])


def handle_conflict(form, proposal, section, error: ConflictError) -> None:
    """Show the conflict; keep the user's answers; let a second save replace the other."""
    form.add_error(None, str(error))
    data = form.data.copy()
    data["revision"] = section_revision(proposal, section)
    form.data = data


def save_section(
    form, proposal, section, save: Callable[[], object], *, error_field: str | None = None
) -> bool:
    """Save a section's form through `save` (the service call). True if it saved.

    Otherwise the form carries the reason and the caller shows the page again with the
    user's answers: someone else saved the section since it was opened (a conflict; the
    next save replaces theirs), or the service refused (shown on `error_field`, or at the
    top of the form)."""
    try:
        save()
    except ConflictError as error:
        handle_conflict(form, proposal, section, error)
    except DomainError as error:
        form.add_error(error_field, str(error))
    else:
        return True
    return False


def section_meta(section) -> dict:
    section = Section(section)
    return {
        "section": section,
        "section_label": section.label,
        "section_summary": SECTION_SUMMARIES[section],
        "section_number": list(Section).index(section) + 1,
    }
