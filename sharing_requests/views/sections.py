"""The task list and the seven sections' pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from isf_portal.domain import DomainError

from .. import permissions, selectors, services
from ..choices import DPIA_INDICATORS, Direction, Section, SectionStatus
from ..completeness import basis_warnings, data_flags, dpia_outcome, section_problems
from ..forms import (
    ActionForm,
    CompletionForm,
    ConfidentialityForm,
    DataItemForm,
    DpiaForm,
    ExitForm,
    HowForm,
    LawfulBasisForm,
    NeedsForm,
    OutcomeForm,
    ParticipantForm,
    PurposeForm,
    ReviewForm,
    ScreeningForm,
)
from ..models import Action, DataItem, LawfulBasis, MeasurableOutcome, Participant
from .common import (
    editable_proposal,
    not_editable,
    proposal_context,
    save_section,
    section_meta,
    section_url,
)


@login_required
def proposal_detail(request, reference):
    """The task list for the lead's members; a read-only summary for everyone else."""
    proposal = permissions.proposal_for(request, reference)
    states = selectors.section_states(proposal=proposal)
    tasks = [
        {
            **section_meta(section),
            "status": states[section].status,
            "status_label": SectionStatus(states[section].status).label,
        }
        for section in Section
    ]
    completed = sum(1 for task in tasks if task["status"] == SectionStatus.COMPLETED)
    requests_by_section = change_requests(proposal)
    for task in tasks:
        task["change_requests"] = requests_by_section.get(task["section"], [])
    return render(
        request,
        "sharing_requests/detail.html",
        proposal_context(
            request,
            proposal,
            tasks=tasks,
            completed=completed,
            timeline=selectors.timeline(proposal=proposal),
            comment_organisations=permissions.comment_organisations(request, proposal),
            current_round=proposal.rounds.prefetch_related("decisions__organisation").first(),
            change_request_list=list(
                {d.pk: d for found in requests_by_section.values() for d in found}.values()
            ),
            **answers_context(proposal),
        ),
    )


def change_requests(proposal) -> dict:
    """The reasons the last round sent back, by section (None: not pinned to a section).

    Shown while the proposal is back with its authors (changes requested)."""
    from ..choices import ProposalStatus
    from ..models import DecisionStatus

    if proposal.status != ProposalStatus.CHANGES_REQUESTED:
        return {}
    last = proposal.rounds.filter(closed_at__isnull=False).first()
    if last is None:
        return {}
    found: dict = {}
    for decision in last.decisions.filter(
        status__in=[DecisionStatus.CHANGES_REQUESTED, DecisionStatus.DECLINED]
    ).select_related("organisation", "decided_by"):
        for section in decision.sections or [None]:
            found.setdefault(section, []).append(decision)
    return found


def answers_context(proposal) -> dict:
    """Everything the answers summary (check answers, print, read-only view) shows."""
    participants = list(
        proposal.participants.select_related("organisation").prefetch_related("lawful_bases")
    )
    flags = data_flags(proposal)
    bases = []
    for party in participants:
        by_direction = {b.direction: b for b in party.lawful_bases.all()}
        for direction in party.directions:
            basis = by_direction.get(direction)
            bases.append(
                {
                    "participant": party,
                    "direction": direction,
                    "direction_label": Direction(direction).label,
                    "basis": basis,
                    "warnings": basis_warnings(basis, party.organisation) if basis else [],
                }
            )
    return {
        "vision": proposal.vision,
        "outcomes": list(proposal.outcomes.all()),
        "data_items": list(proposal.data_items.all()),
        "participants": participants,
        "bases": bases,
        "flags": flags,
        "actions": list(proposal.actions.select_related("owner_organisation")),
        "dpia": dpia_outcome(proposal),
        "dpia_labels": [
            str(label)
            for key, label, _hint, _d in DPIA_INDICATORS
            if key in (proposal.dpia_indicators or [])
        ],
        "comments": list(proposal.comments.select_related("author", "organisation")),
        "endorsements": list(proposal.endorsements.select_related("user", "organisation")),
    }


@login_required
@require_http_methods(["GET", "POST"])
def section_page(request, reference, section):
    """One section's answers, with 'Have you completed this section?'."""
    if section not in Section.values:
        raise Http404
    proposal = permissions.proposal_for(request, reference)
    editable = permissions.can_edit(request, proposal)
    form = CompletionForm(request.POST or None) if editable else None
    problems = section_problems(proposal, section)
    if request.method == "POST":
        permissions.require(request, permissions.Action.EDIT, proposal)
        if not proposal.is_editable:
            return not_editable(request, proposal)
        if form.is_valid():
            try:
                services.section_mark(
                    proposal=proposal,
                    section=section,
                    completed=form.cleaned_data["completed"],
                    by=request.user,
                )
            except services.SubmitBlocked as blocked:
                for problem in blocked.problems:
                    form.add_error("completed", problem.message)
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                return redirect("requests:detail", reference=proposal.reference)
    state = proposal.sections.get(section=section)
    section_requests = change_requests(proposal).get(section, [])
    if form is not None and not form.is_bound:
        form.initial = {"completed": "yes" if state.status == SectionStatus.COMPLETED else None}
    return render(
        request,
        "sharing_requests/section.html",
        proposal_context(
            request,
            proposal,
            form=form,
            problems=problems,
            state=state,
            section_requests=section_requests,
            **section_meta(section),
            **answers_context(proposal),
        ),
    )


# Pages whose form edits fields of the proposal itself: (section, form, template title).
FIELD_PAGES = {
    "purpose": (Section.PURPOSE, PurposeForm, _("About the proposal")),
    "needs": (Section.NEEDS, NeedsForm, _("Whose data")),
    "confidentiality": (Section.PRACTICAL, ConfidentialityForm, _("Health and care data")),
    "how": (Section.HOW, HowForm, _("How the data is shared")),
    "review": (Section.REVIEW, ReviewForm, _("Review")),
    "exit": (Section.EXIT, ExitForm, _("Exit planning")),
}


@login_required
@require_http_methods(["GET", "POST"])
def fields_edit(request, reference, page):
    section, form_class, title = FIELD_PAGES[page]
    proposal = editable_proposal(request, reference)
    if not proposal.is_editable:
        return not_editable(request, proposal)
    revision = services.section_revision(proposal, section)
    form = form_class(request.POST or None, instance=proposal, initial={"revision": revision})
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
        saved = save_section(
            form,
            proposal,
            section,
            lambda: services.proposal_update(
                proposal=proposal,
                section=section,
                data=data,
                by=request.user,
                revision=form.cleaned_data["revision"],
            ),
        )
        if saved:
            return redirect(section_url(proposal, section))
    proposal.refresh_from_db()
    return render(
        request,
        "sharing_requests/fields_edit.html",
        proposal_context(request, proposal, form=form, page_title=title, **section_meta(section)),
    )


# Repeating lists ("add another"): kind -> (model, form, section, singular name).
ITEMS = {
    "outcome": (MeasurableOutcome, OutcomeForm, Section.PURPOSE, _("measurable outcome")),
    "dataitem": (DataItem, DataItemForm, Section.NEEDS, _("data item")),
    "action": (Action, ActionForm, Section.PRACTICAL, _("action")),
}


def _item_form(form_class, proposal, *args, **kwargs):
    if form_class is ActionForm:
        kwargs["proposal"] = proposal
    return form_class(*args, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def item_edit(request, reference, kind, pk=None):
    model, form_class, section, noun = ITEMS[kind]
    proposal = editable_proposal(request, reference)
    if not proposal.is_editable:
        return not_editable(request, proposal)
    instance = get_object_or_404(model, pk=pk, proposal=proposal) if pk else model()
    revision = services.section_revision(proposal, section)
    form = _item_form(
        form_class,
        proposal,
        request.POST or None,
        instance=instance,
        initial={"revision": revision},
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form_class.Meta.fields}
        saved = save_section(
            form,
            proposal,
            section,
            lambda: services.item_save(
                proposal=proposal,
                section=section,
                instance=instance,
                data=data,
                by=request.user,
                kind=kind,
                revision=form.cleaned_data["revision"],
            ),
        )
        if saved:
            messages.success(
                request,
                (_("%(noun)s added") if pk is None else _("%(noun)s updated"))
                % {"noun": str(noun).capitalize()},
            )
            return redirect(section_url(proposal, section))
    return render(
        request,
        "sharing_requests/item_edit.html",
        proposal_context(
            request, proposal, form=form, noun=noun, adding=pk is None, **section_meta(section)
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def item_remove(request, reference, kind, pk):
    model, _form_class, section, noun = ITEMS[kind]
    proposal = editable_proposal(request, reference)
    if not proposal.is_editable:
        return not_editable(request, proposal)
    instance = get_object_or_404(model, pk=pk, proposal=proposal)
    if request.method == "POST":
        try:
            services.item_remove(
                proposal=proposal, section=section, instance=instance, by=request.user, kind=kind
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(noun)s removed") % {"noun": str(noun).capitalize()})
        return redirect(section_url(proposal, section))
    return render(
        request,
        "sharing_requests/item_remove.html",
        proposal_context(request, proposal, item=instance, noun=noun, **section_meta(section)),
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_edit(request, reference, pk=None):
    proposal = editable_proposal(request, reference)
    if not proposal.is_editable:
        return not_editable(request, proposal)
    instance = (
        get_object_or_404(
            Participant.objects.select_related("organisation"), pk=pk, proposal=proposal
        )
        if pk
        else Participant()
    )
    revision = services.section_revision(proposal, Section.WHO)
    form = ParticipantForm(
        request.POST or None,
        instance=instance,
        proposal=proposal,
        initial={"revision": revision},
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields if name != "revision"}
        saved = save_section(
            form,
            proposal,
            Section.WHO,
            lambda: services.participant_save(
                proposal=proposal,
                instance=instance,
                data=data,
                by=request.user,
                revision=form.cleaned_data["revision"],
            ),
            error_field="organisation" if "organisation" in form.fields else None,
        )
        if saved:
            if pk is None:
                messages.success(
                    request,
                    _("%(org)s invited. We have e-mailed %(contact)s.")
                    % {"org": instance.organisation, "contact": instance.contact_email},
                )
            return redirect(section_url(proposal, Section.WHO))
    return render(
        request,
        "sharing_requests/participant_edit.html",
        proposal_context(
            request,
            proposal,
            form=form,
            participant=instance,
            adding=pk is None,
            **section_meta(Section.WHO),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def participant_remove(request, reference, pk):
    proposal = editable_proposal(request, reference)
    if not proposal.is_editable:
        return not_editable(request, proposal)
    participant = get_object_or_404(
        Participant.objects.select_related("organisation"),
        pk=pk,
        proposal=proposal,
        is_lead=False,
    )
    if request.method == "POST":
        try:
            services.participant_remove(proposal=proposal, instance=participant, by=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("%(org)s removed from the proposal") % {"org": participant.organisation}
            )
        return redirect(section_url(proposal, Section.WHO))
    return render(
        request,
        "sharing_requests/item_remove.html",
        proposal_context(
            request,
            proposal,
            item=participant.organisation,
            noun=_("organisation"),
            **section_meta(Section.WHO),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def lawful_basis_edit(request, reference, participant_pk, direction):
    proposal = editable_proposal(request, reference)
    if not proposal.is_editable:
        return not_editable(request, proposal)
    participant = get_object_or_404(
        Participant.objects.select_related("organisation"), pk=participant_pk, proposal=proposal
    )
    if direction not in participant.directions:
        raise Http404
    instance = LawfulBasis.objects.filter(participant=participant, direction=direction).first()
    instance = instance or LawfulBasis(participant=participant, direction=direction)
    revision = services.section_revision(proposal, Section.PRACTICAL)
    form = LawfulBasisForm(
        request.POST or None,
        instance=instance,
        flags=data_flags(proposal),
        initial={"revision": revision},
    )
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.fields if name != "revision"}
        saved = save_section(
            form,
            proposal,
            Section.PRACTICAL,
            lambda: services.lawful_basis_save(
                proposal=proposal,
                instance=instance,
                data=data,
                by=request.user,
                revision=form.cleaned_data["revision"],
            ),
        )
        if saved:
            warnings = basis_warnings(instance, participant.organisation)
            for warning in warnings:
                messages.warning(request, warning)
            return redirect(section_url(proposal, Section.PRACTICAL))
    return render(
        request,
        "sharing_requests/lawful_basis_edit.html",
        proposal_context(
            request,
            proposal,
            form=form,
            participant=participant,
            direction_label=Direction(direction).label,
            warnings=basis_warnings(instance, participant.organisation) if instance.pk else [],
            **section_meta(Section.PRACTICAL),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def screening_edit(request, reference):
    proposal = editable_proposal(request, reference)
    if not proposal.is_editable:
        return not_editable(request, proposal)
    revision = services.section_revision(proposal, Section.PRACTICAL)
    initial = {"revision": revision}
    if proposal.dpia_screened:
        initial["indicators"] = proposal.dpia_indicators or ["none"]
    form = ScreeningForm(request.POST or None, initial=initial)
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
def dpia_edit(request, reference):
    proposal = editable_proposal(request, reference)
    if not proposal.is_editable:
        return not_editable(request, proposal)
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
    """The attached DPIA, only to people who may see the proposal."""
    proposal = permissions.proposal_for(request, reference)
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
