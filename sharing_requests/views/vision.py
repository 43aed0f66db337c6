"""The interactive vision statement: edit with a live preview, comments, endorsements and
the history of every saved version."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from isf_portal.domain import DomainError

from .. import permissions, services
from ..choices import Section
from ..forms import CommentForm, VisionForm
from ..models import VisionStatement
from ..vision import assemble
from .common import not_editable, proposal_context, save_section, section_meta


def _vision_context(request, proposal, form, **extra):
    organisations = permissions.comment_organisations(request, proposal)
    endorsements = list(proposal.endorsements.select_related("user", "organisation"))
    return proposal_context(
        request,
        proposal,
        form=form,
        comment_form=CommentForm(organisations=organisations) if organisations else None,
        comments=proposal.comments.select_related("author", "organisation"),
        endorsements=endorsements,
        # Organisations this user has endorsed the current statement for: no second button.
        endorsed_ids={
            e.organisation_id
            for e in endorsements
            if e.user_id == request.user.pk and e.statement == proposal.vision.text
        },
        **section_meta(Section.PURPOSE),
        **extra,
    )


@login_required
@require_http_methods(["GET", "POST"])
def vision_edit(request, reference):
    """Lead members edit; partners see the statement, comment and endorse."""
    proposal = permissions.proposal_for(request, reference)
    vision = proposal.vision
    editable = permissions.can_edit(request, proposal)
    form = None
    preview = vision.text
    if editable:
        revision = services.section_revision(proposal, Section.PURPOSE)
        form = VisionForm(request.POST or None, instance=vision, initial={"revision": revision})
    if request.method == "POST":
        # As on every section page: 403 for people who may not change it, and the "cannot
        # be changed now" page (409) for its lead once it is submitted.
        permissions.require(request, permissions.Action.EDIT, proposal)
        if not proposal.is_editable:
            return not_editable(request, proposal)
        if request.POST.get("action") == "preview":
            # Without JavaScript: show the assembled statement, save nothing.
            preview = assemble({part: request.POST.get(part, "") for part in VisionStatement.PARTS})
        elif form.is_valid():
            saved = save_section(
                form,
                proposal,
                Section.PURPOSE,
                lambda: services.vision_update(
                    proposal=proposal,
                    parts={part: form.cleaned_data[part] for part in VisionStatement.PARTS},
                    by=request.user,
                    revision=form.cleaned_data["revision"],
                ),
            )
            if saved:
                messages.success(request, _("Vision statement saved"))
                return redirect(
                    "requests:section", reference=proposal.reference, section=Section.PURPOSE
                )
        else:
            preview = assemble({part: request.POST.get(part, "") for part in VisionStatement.PARTS})
    return render(
        request,
        "sharing_requests/vision.html",
        _vision_context(request, proposal, form, preview=preview, vision=vision),
    )


@login_required
@require_POST
def vision_preview(request, reference):
    """The htmx fragment: the statement assembled from what the author has typed so far."""
    proposal = permissions.proposal_for(request, reference)
    if not permissions.can_edit(request, proposal):
        raise PermissionDenied
    parts = {part: request.POST.get(part, "")[:300] for part in VisionStatement.PARTS}
    return render(
        request, "sharing_requests/includes/vision_preview.html", {"preview": assemble(parts)}
    )


@login_required
def vision_history(request, reference):
    """Every saved version: the statement as it read, who saved it and which parts changed."""
    proposal = permissions.proposal_for(request, reference)
    records = list(proposal.vision.history.select_related("history_user").order_by("-history_id"))
    labels = {
        part: VisionStatement._meta.get_field(part).verbose_name for part in VisionStatement.PARTS
    }
    versions = []
    for index, record in enumerate(records):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if older is not None:
            delta = record.diff_against(older, included_fields=VisionStatement.PARTS)
            changes = [
                {"label": labels[c.field], "old": c.old, "new": c.new} for c in delta.changes
            ]
        text = assemble({part: getattr(record, part) for part in VisionStatement.PARTS})
        versions.append(
            {"record": record, "text": text, "changes": changes, "number": len(records) - index}
        )
    return render(
        request,
        "sharing_requests/vision_history.html",
        proposal_context(request, proposal, versions=versions, **section_meta(Section.PURPOSE)),
    )


@login_required
@require_POST
def vision_comment(request, reference):
    proposal = permissions.proposal_for(request, reference)
    organisations = permissions.comment_organisations(request, proposal)
    if not organisations:
        raise PermissionDenied
    form = CommentForm(request.POST, organisations=organisations)
    if form.is_valid():
        try:
            services.comment_add(
                proposal=proposal,
                organisation=form.cleaned_data["organisation"],
                text=form.cleaned_data["text"],
                by=request.user,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your comment has been added"))
            return redirect("requests:vision", reference=proposal.reference)
    editable = permissions.can_edit(request, proposal)
    vision_form = VisionForm(instance=proposal.vision) if editable else None
    context = _vision_context(
        request, proposal, vision_form, preview=proposal.vision.text, vision=proposal.vision
    )
    context["comment_form"] = form
    return render(request, "sharing_requests/vision.html", context, status=400)


@login_required
@require_POST
def vision_endorse(request, reference):
    proposal = permissions.proposal_for(request, reference)
    organisations = permissions.comment_organisations(request, proposal)
    chosen = [o for o in organisations if str(o.pk) == request.POST.get("organisation")]
    if not chosen:
        raise PermissionDenied
    try:
        services.endorse(proposal=proposal, organisation=chosen[0], by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("You have endorsed the vision statement for %(org)s") % {"org": chosen[0]}
        )
    return redirect("requests:vision", reference=proposal.reference)
