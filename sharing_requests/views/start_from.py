""" "Start from this one": a new draft from a proposal (or an agreement, through the
agreements app's view, which finds the proposal it was made from) the person may see."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from isf_portal.domain import DomainError

from .. import permissions, services


def start_from_response(request, source, *, back: str, started_from: str = ""):
    """Start a draft from `source` (a proposal the person may see) for the organisation the
    person chose among those they may start for, and land them on its task list (`back`, the
    page the button was on, when no organisation was chosen). 403 for someone who may not
    start proposals."""
    organisations = permissions.start_organisation_list(request)
    if not organisations:
        raise PermissionDenied
    chosen = request.POST.get("lead_organisation", "")
    lead = next((o for o in organisations if str(o.pk) == chosen), None)
    if lead is None and len(organisations) == 1:
        lead = organisations[0]
    if lead is None:
        messages.error(request, _("Select the organisation leading the new proposal"))
        return redirect(back)
    try:
        draft = services.proposal_copy(
            source=source, lead_organisation=lead, by=request.user, started_from=started_from
        )
    except DomainError as error:
        messages.error(request, str(error))
        return redirect("requests:detail", reference=source.reference)
    messages.success(
        request,
        _("Proposal %(reference)s started from %(source)s. Check and change every answer.")
        % {"reference": draft.reference, "source": started_from or source.reference},
    )
    return redirect("requests:detail", reference=draft.reference)


@login_required
@require_POST
def proposal_start_from(request, reference):
    source = permissions.proposal_for(request, reference)
    return start_from_response(
        request, source, back=reverse("requests:detail", args=[source.reference])
    )
