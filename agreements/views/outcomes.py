"""Recording what an agreement's measurable outcomes achieved (at a review, or whenever the
parties or the proposal's lead update them). Outsiders get 404, people who may see the
agreement but not record its outcomes (read-only members) 403."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from isf_portal.domain import DomainError

from .. import lifecycle, outcomes
from ..outcome_forms import entries, outcome_update_form
from ..permissions import agreement_for


@login_required
@require_http_methods(["GET", "POST"])
def outcome_update(request, reference):
    agreement = agreement_for(request, reference)
    if not outcomes.may_record(request, agreement):
        raise PermissionDenied
    rows = outcomes.outcomes_of(agreement)
    if not rows:
        messages.info(request, _("This agreement's proposal has no measurable outcomes."))
        return redirect("agreements:lifecycle", reference=agreement.reference)
    review = lifecycle.open_agreement_review(agreement)
    form = outcome_update_form(rows, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            outcomes.record_outcome_updates(
                agreement=agreement, by=request.user, entries=entries(form, rows)
            )
        except lifecycle.NotAllowed as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Outcomes recorded."))
            if review is not None:
                return redirect("agreements:review", reference=agreement.reference)
            return redirect("agreements:lifecycle", reference=agreement.reference)
    return render(
        request,
        "agreements/outcome_update.html",
        {"agreement": agreement, "outcomes": rows, "review": review, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


urlpatterns = [
    path("<str:reference>/outcomes/", outcome_update, name="outcome-update"),
]
