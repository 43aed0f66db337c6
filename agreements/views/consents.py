"""What one party proposes and every party must agree to (consents.py): the page every party
reads it on, each party's answer, and the proposing party withdrawing it. Members of the
parties and the steering group read it; anyone else gets 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from isf_portal.domain import DomainError

from .. import consents
from ..lifecycle_forms import ConsentAnswerForm
from ..models import ConsentKind
from ..permissions import agreement_for


def _consent_for(request, reference, pk):
    agreement = agreement_for(request, reference)
    consent = agreement.consents.select_related("party", "proposed_by").filter(pk=pk).first()
    if consent is None:
        raise Http404
    consent.agreement = agreement
    return consent


@login_required
@require_http_methods(["GET", "POST"])
def consent_detail(request, reference, pk):
    """The proposal, every party's answer, and the form for the parties this person may
    still answer for."""
    consent = _consent_for(request, reference, pk)
    agreement = consent.agreement
    parties = consents.answerable_parties(consent, request.user)
    form = None
    if parties:
        form = ConsentAnswerForm(request.POST or None, parties=parties)
    elif request.method == "POST":
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        party = next(p for p in parties if p.pk == data["party"])
        agreed = data["answer"] == "agree"
        try:
            done = consents.consent_answer(
                consent=consent,
                party=party,
                by=request.user,
                agreed=agreed,
                comment=data["comment"],
            )
        except consents.NotAllowed as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            if not agreed:
                message = _("You declined for %(party)s. The other parties have been told.")
            elif done.status == "agreed":
                message = _("You agreed for %(party)s. Every party has now agreed.")
            else:
                message = _("You agreed for %(party)s. It waits for the other parties.")
            messages.success(request, message % {"party": party.name})
            return redirect("agreements:lifecycle", reference=agreement.reference)
    return render(
        request,
        "agreements/consent.html",
        {
            "agreement": agreement,
            "consent": consent,
            "summary": consents.summary(consent),
            "answers": consents.answers(consent),
            "form": form,
            "may_withdraw": consents.may_withdraw(consent, request.user),
            "is_termination": consent.kind == ConsentKind.TERMINATE,
        },
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_POST
def consent_withdraw(request, reference, pk):
    """The proposing party takes its proposal back."""
    consent = _consent_for(request, reference, pk)
    try:
        consents.consent_withdraw(consent=consent, by=request.user)
    except consents.NotAllowed as exc:
        raise PermissionDenied from exc
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect("agreements:consent", reference=reference, pk=consent.pk)
    messages.success(request, _("You withdrew the proposal. The other parties have been told."))
    return redirect("agreements:lifecycle", reference=reference)


urlpatterns = [
    path("<str:reference>/agree/<int:pk>/", consent_detail, name="consent"),
    path("<str:reference>/agree/<int:pk>/withdraw/", consent_withdraw, name="consent-withdraw"),
]
