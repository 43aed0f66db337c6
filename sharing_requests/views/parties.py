"""The organisations taking part (the who section) and each one's lawful basis for each
direction it shares in (practical steps)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from isf_portal.domain import DomainError

from .. import services
from ..choices import Direction, Section
from ..completeness import basis_warnings, data_flags
from ..forms import LawfulBasisForm, ParticipantForm
from ..models import LawfulBasis, Participant
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
def participant_edit(request, proposal, pk=None):
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
        saved = _save_instance(
            request,
            form,
            proposal,
            Section.WHO,
            services.participant_save,
            instance,
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
@editing_proposal
def participant_remove(request, proposal, pk):
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
@editing_proposal
def lawful_basis_edit(request, proposal, participant_pk, direction):
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
        saved = _save_instance(
            request, form, proposal, Section.PRACTICAL, services.lawful_basis_save, instance
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


def _save_instance(request, form, proposal, section, save, instance, *, error_field=None) -> bool:
    """Saves `instance` from a valid model form through the service `save`, passing the
    revision the user started from apart from the fields (see `save_section`)."""
    data = {name: form.cleaned_data[name] for name in form.fields if name != "revision"}
    return save_section(
        form,
        proposal,
        section,
        lambda: save(
            proposal=proposal,
            instance=instance,
            data=data,
            by=request.user,
            revision=form.cleaned_data["revision"],
        ),
        error_field=error_field,
    )
