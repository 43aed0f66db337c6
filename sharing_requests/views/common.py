"""What every proposal page shares: finding the proposal for this user, the section pages'
context, and turning domain errors into form errors."""

from django.shortcuts import render
from django.urls import reverse

from .. import permissions
from ..choices import SECTION_SUMMARIES, Section
from ..services import ConflictError, section_revision


def proposal_context(request, proposal, **extra) -> dict:
    return {
        "proposal": proposal,
        "can_edit": permissions.can_edit(request, proposal),
        "can_change": permissions.can_change(request, proposal),
        **extra,
    }


def editable_proposal(request, reference):
    """The proposal, for a page that changes it: 404 for outsiders, 403 for partners and
    read-only members, and a clear page when it is not open for editing."""
    proposal = permissions.proposal_for(request, reference)
    permissions.require_edit(request, proposal)
    return proposal


def not_editable(request, proposal):
    return render(
        request,
        "sharing_requests/not_editable.html",
        proposal_context(request, proposal),
        status=409,
    )


def section_url(proposal, section) -> str:
    return reverse("requests:section", args=[proposal.reference, section])


def handle_conflict(form, proposal, section, error: ConflictError) -> None:
    """Show the conflict; keep the user's answers; let a second save replace the other."""
    form.add_error(None, str(error))
    data = form.data.copy()
    data["revision"] = section_revision(proposal, section)
    form.data = data


def section_meta(section) -> dict:
    section = Section(section)
    return {
        "section": section,
        "section_label": section.label,
        "section_summary": SECTION_SUMMARIES[section],
        "section_number": list(Section).index(section) + 1,
    }
