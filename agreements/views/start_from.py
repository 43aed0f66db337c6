""" "Start from this one" on an agreement's page: a new draft from the proposal the agreement
was made from, through the proposals' own view code (a layer below)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from sharing_requests.views.start_from import start_from_response

from ..permissions import agreement_for


@login_required
@require_POST
def agreement_start_from(request, reference):
    agreement = agreement_for(request, reference)
    if agreement.proposal_id is None:  # an external agreement: no answers to start from
        raise Http404
    return start_from_response(
        request,
        agreement.proposal,
        back=reverse("agreements:detail", args=[agreement.reference]),
        started_from=f"{agreement.reference}: {agreement.title}",
    )


urlpatterns = [
    path("<str:reference>/start-from/", agreement_start_from, name="start-from"),
]
