"""The sections' repeating lists ("add another"): measurable outcomes, data items, actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from isf_portal.domain import DomainError

from .. import permissions, services
from ..choices import Section
from ..forms import ActionForm, DataItemForm, OutcomeForm
from ..models import Action, DataItem, MeasurableOutcome
from .common import (
    editing_proposal,
    proposal_context,
    save_section,
    section_meta,
    section_url,
)

# Repeating lists ("add another"): kind -> (model, form, section, singular name).
ITEMS = {
    "outcome": (
        MeasurableOutcome,
        OutcomeForm,
        Section.PURPOSE,
        gettext_lazy("measurable outcome"),
    ),
    "dataitem": (DataItem, DataItemForm, Section.NEEDS, gettext_lazy("data item")),
    "action": (Action, ActionForm, Section.PRACTICAL, gettext_lazy("action")),
}


def _item_form(form_class, proposal, *args, **kwargs):
    if form_class is ActionForm:
        kwargs["proposal"] = proposal
    return form_class(*args, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
@editing_proposal
def item_edit(request, proposal, kind, pk=None):
    model, form_class, section, noun = ITEMS[kind]
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
@editing_proposal
def item_remove(request, proposal, kind, pk):
    model, _form_class, section, noun = ITEMS[kind]
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
@require_POST
def action_mark(request, reference, pk):
    """The owner organisation says an action before sharing starts is done (or not yet):
    from the proposal's page, back to it (post/redirect/get)."""
    proposal = permissions.proposal_for(request, reference)
    action = get_object_or_404(Action.objects.select_related("proposal"), pk=pk, proposal=proposal)
    if not permissions.may_mark_action(request, action):
        raise PermissionDenied
    done = request.POST.get("done") == "yes"
    try:
        services.action_mark(action=action, by=request.user, done=done)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        message = _("Marked as done: %(action)s") if done else _("Marked as not done: %(action)s")
        messages.success(request, message % {"action": action.description})
    return redirect(reverse("requests:detail", args=[proposal.reference]) + "#actions")
