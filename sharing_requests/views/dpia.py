"""The DPIA screening questions, their outcome, and the DPIA itself (its reference and file)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import permissions, services
from ..choices import DPIA_INDICATOR_CHOICES, Section
from ..completeness import dpia_indicators_shown, dpia_outcome
from ..forms import DpiaForm, ScreeningForm
from .common import (
    editing_proposal,
    proposal_context,
    save_section,
    section_meta,
    section_url,
)


@login_required
@require_http_methods(["GET", "POST"])
@editing_proposal
def screening_edit(request, proposal):
    revision = services.section_revision(proposal, Section.PRACTICAL)
    initial = {"revision": revision}
    shown = dpia_indicators_shown(proposal)  # pre-ticked, and required (#12 item 8)
    if proposal.dpia_screened or shown:
        ticked = set(proposal.dpia_indicators or []) | set(shown)
        initial["indicators"] = [k for k, _l in DPIA_INDICATOR_CHOICES if k in ticked] or ["none"]
    form = ScreeningForm(request.POST or None, initial=initial, shown=shown)
    if request.method == "POST" and form.is_valid():
        saved = save_section(
            form,
            proposal,
            Section.PRACTICAL,
            lambda: services.proposal_update(
                proposal=proposal,
                section=Section.PRACTICAL,
                data={"dpia_indicators": form.cleaned_data["indicators"], "dpia_screened": True},
                by=request.user,
                revision=form.cleaned_data["revision"],
            ),
        )
        if saved:
            return redirect("requests:screening-outcome", reference=proposal.reference)
    return render(
        request,
        "sharing_requests/screening.html",
        proposal_context(request, proposal, form=form, **section_meta(Section.PRACTICAL)),
    )


@login_required
def screening_outcome(request, reference):
    proposal = permissions.proposal_for(request, reference)
    return render(
        request,
        "sharing_requests/screening_outcome.html",
        proposal_context(
            request, proposal, dpia=dpia_outcome(proposal), **section_meta(Section.PRACTICAL)
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
@editing_proposal
def dpia_edit(request, proposal):
    revision = services.section_revision(proposal, Section.PRACTICAL)
    form = DpiaForm(
        request.POST or None,
        request.FILES or None,
        has_file=bool(proposal.dpia_file),
        initial={"revision": revision, "dpia_reference": proposal.dpia_reference},
    )
    if request.method == "POST" and form.is_valid():
        saved = save_section(
            form,
            proposal,
            Section.PRACTICAL,
            lambda: services.dpia_attach(
                proposal=proposal,
                reference=form.cleaned_data["dpia_reference"],
                upload=form.cleaned_data["dpia_file"],
                by=request.user,
                revision=form.cleaned_data["revision"],
            ),
        )
        if saved:
            return redirect(section_url(proposal, Section.PRACTICAL))
    return render(
        request,
        "sharing_requests/dpia.html",
        proposal_context(
            request,
            proposal,
            form=form,
            dpia=dpia_outcome(proposal),
            **section_meta(Section.PRACTICAL),
        ),
    )


@login_required
def dpia_download(request, reference):
    """The attached DPIA: 404 for those who may not see the proposal, 403 for its readers
    without a role that downloads it (permissions.Action.DPIA)."""
    proposal = permissions.proposal_for(request, reference)
    if not permissions.may_download_dpia(request, proposal):
        raise PermissionDenied
    if not proposal.dpia_file:
        raise Http404
    extension = proposal.dpia_file.name.rsplit(".", 1)[-1]
    content_type = {
        "pdf": "application/pdf",
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }.get(extension, "application/octet-stream")
    response = FileResponse(
        proposal.dpia_file.open("rb"),
        as_attachment=True,
        filename=f"{proposal.reference}-DPIA.{extension}",
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
