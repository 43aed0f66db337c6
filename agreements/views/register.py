"""The register of agreements (every signed-in partner), recording an agreement signed
outside the portal (governance officers), and an agreement's lifecycle: its reviews and
timeline (the parties and the steering group; anyone else gets 404)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from isf_portal.domain import DomainError
from isf_portal.search import page_counted, page_number

from .. import consents, external, lifecycle, outcomes, permissions, register, register_table
from ..events import agreement_chain
from ..filters import RegisterFilter
from ..forms import ExternalAgreementForm
from ..lifecycle_forms import OUTCOME_FORMS, ReviewOutcomeForm
from ..models import AgreementStatus, ConsentStatus, ReviewOutcome
from ..permissions import Action, agreement_for

PAGE_SIZE = 25
COMPILED_PAGES = 40


def _query_without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()


# The table's columns: the sort key of those it can be sorted by (register.SORTS), and the
# header's text.
COLUMNS = (
    ("reference", gettext_lazy("Reference")),
    ("title", gettext_lazy("Title")),
    ("", gettext_lazy("Parties")),
    ("", gettext_lazy("Status")),
    ("", gettext_lazy("Start date")),
    ("end", gettext_lazy("End date")),
    ("review", gettext_lazy("Review date")),
)


def _sort_headers(request, filters) -> list[dict]:
    """The table's column headers, in order: each sortable one with the link that sorts by
    it (the current column flips direction) and its aria-sort value."""
    base = _query_without(request, "sort", "page")
    headers = []
    for key, label in COLUMNS:
        if not key:
            headers.append({"label": label})
            continue
        if filters.sort == key:
            aria = "descending" if filters.descending else "ascending"
            next_sort = key if filters.descending else f"-{key}"
        else:
            aria = "none"
            next_sort = key
        headers.append(
            {
                "label": label,
                "url": "?" + (f"{base}&" if base else "") + f"sort={next_sort}",
                "aria_sort": aria,
            }
        )
    return headers


@login_required
@require_GET
def register_list(request):
    """Every agreement's summary, searchable, filtered (active by default), sorted, paged. A
    filter with a bad value shows its error and is left out; the others still apply."""
    return _register_page(request, RegisterFilter(request.GET, request=request))


def _register_page(request, filterset: RegisterFilter, status: int = 200):
    filters = filterset.chosen

    def entries():
        return filterset.qs.prefetch_related(None).annotate(
            may_open=permissions.may_open(user=request.user)
        )

    # The page and its count in one query (the search runs once), which marks the rows the
    # reader may open too, compiled once for each shape of filters (register.page_entries;
    # a review date filter through the ORM); then the parties' names, in one more.
    # The offset is part of the compiled shape, so only the first pages are compiled reads
    # (a plan each, per connection); a page further on, like a review date filter, is the ORM's.
    read = None
    number = page_number(request.GET.get("page"))
    if filters.review_before is None and number <= COMPILED_PAGES:

        def read(offset):
            return register.page_entries(filters, user=request.user, offset=offset, limit=PAGE_SIZE)

    page = page_counted(entries if read else entries(), number, PAGE_SIZE, read=read)
    rows = list(page.object_list)
    urls = {a.pk: register.agreement_url(a.reference) for a in rows if a.may_open}
    parties = register.party_names(a.pk for a in rows)
    return render(
        request,
        "agreements/register.html",
        {
            "form": filterset.form,
            "filters": filters,
            "page": page,
            "rows": register_table.table_rows(rows, parties=parties, urls=urls),
            "headers": _sort_headers(request, filters),
            "query": _query_without(request, "page"),
            # The spreadsheet of what the page shows: without a filter the page left out.
            "csv_query": _query_without(request, "page", *filterset.invalid_parameters()),
            "can_record": permissions.record_external_offered(request.user),
        },
        status=status,
    )


@login_required
@require_GET
def register_csv(request):
    """The register as CSV with the same filters and order as the page (every matching row,
    not just one page). Cells that would start a spreadsheet formula are neutralised. A filter
    with a bad value gives the page with its error (400), not a spreadsheet of more than was
    asked for."""
    filterset = RegisterFilter(request.GET, request=request)
    if not filterset.is_valid():
        return _register_page(request, filterset, status=400)
    rows = register.csv_rows(filterset.qs)
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="agreement-register-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def external_record(request):
    """A governance officer records an agreement signed outside the portal."""
    organisations = permissions.organisations_for(request, Action.RECORD_EXTERNAL)
    if not organisations:
        raise PermissionDenied
    posted = request.method == "POST"
    form = ExternalAgreementForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        organisations=organisations,
    )
    if posted and form.is_valid():
        data = form.cleaned_data
        try:
            agreement = external.agreement_record_external(
                by=request.user,
                organisation=data["organisation"],
                title=data["title"],
                parties=list(data["parties"]),
                start_date=data["start_date"],
                end_date=data.get("end_date"),
                review_date=data["review_date"],
                has_special_category="special" in data["categories"],
                has_criminal_offence="criminal" in data["categories"],
                pdf=data["pdf"],
            )
        except lifecycle.NotAllowed as error:
            raise PermissionDenied from error
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(ref)s recorded in the register as signed outside the portal.")
                % {"ref": agreement.reference},
            )
            return redirect("agreements:lifecycle", reference=agreement.reference)
    return render(
        request,
        "agreements/external_record.html",
        {
            "form": form,
            "single_organisation": organisations[0] if len(organisations) == 1 else None,
        },
    )


def _lifecycle_context(request, agreement) -> dict:
    can_manage = permissions.may(request, Action.MANAGE, agreement)
    return {
        "agreement": agreement,
        "parties": list(agreement.parties.all()),
        "tag_class": register.STATUS_TAG_CLASSES.get(agreement.status, "govuk-tag--grey"),
        "categories": register.categories_of(agreement),
        "agreement_url": register.agreement_url(agreement.reference),
        "can_manage": can_manage,
        "open_review": lifecycle.open_agreement_review(agreement),
        "ending": lifecycle.scheduled_termination(agreement),
        "pending": consents.pending_for_page(agreement, request.user),
        "reviews": agreement.reviews.select_related("opened_by", "closed_by"),
        "events": lifecycle.timeline(
            agreement, downloads=permissions.may(request, Action.OVERSEE, agreement)
        ),
        "chain": agreement_chain(agreement) if can_manage else None,
        "previous": agreement.previous,
        "variations": agreement.variations.all(),
        "outcomes": outcomes.outcomes_of(agreement),
        "can_record_outcomes": outcomes.may_record(request, agreement),
    }


@login_required
@require_GET
def agreement_lifecycle(request, reference):
    """The agreement's status, dates, reviews and timeline, with the review actions for its
    parties' governance officers and approvers."""
    agreement = agreement_for(request, reference)
    return render(request, "agreements/lifecycle.html", _lifecycle_context(request, agreement))


def _require_manager(request, agreement) -> None:
    if not permissions.may(request, Action.MANAGE, agreement):
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def review_open(request, reference):
    """Confirm, then open a review of an active agreement."""
    agreement = agreement_for(request, reference)
    _require_manager(request, agreement)
    error = ""
    if request.method == "POST":
        try:
            lifecycle.agreement_review_open(agreement=agreement, by=request.user)
        except lifecycle.NotAllowed as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(request, _("Review opened. Record its outcome when it is decided."))
            return redirect("agreements:review", reference=agreement.reference)
    return render(
        request,
        "agreements/lifecycle_review_open.html",
        {"agreement": agreement, "error": error},
        status=400 if error else 200,
    )


def _open_review_or_redirect(request, agreement):
    review = lifecycle.open_agreement_review(agreement)
    if review is None:
        messages.info(request, _("There is no open review of this agreement."))
        return None
    waiting = lifecycle.pending_change(agreement)
    if waiting is not None:
        messages.info(
            request,
            _("%(what)s is waiting for the parties to agree: the review closes when they have.")
            % {"what": consents.summary(waiting)},
        )
        return None
    return review


@login_required
@require_http_methods(["GET", "POST"])
def review_close(request, reference):
    """What did the open review decide? Continue, vary or terminate; each outcome then asks
    its own questions (one question per page, and no conditional reveal to get wrong)."""
    agreement = agreement_for(request, reference)
    _require_manager(request, agreement)
    review = _open_review_or_redirect(request, agreement)
    if review is None:
        return redirect("agreements:lifecycle", reference=agreement.reference)
    form = ReviewOutcomeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        return redirect(
            "agreements:review-outcome",
            reference=agreement.reference,
            outcome=form.cleaned_data["outcome"],
        )
    return render(
        request,
        "agreements/lifecycle_review.html",
        {
            "agreement": agreement,
            "review": review,
            "form": form,
            "missing_outcomes": lifecycle.outcomes_missing(review),
        },
    )


OUTCOME_HEADINGS = {
    ReviewOutcome.CONTINUE: gettext_lazy("The agreement continues"),
    ReviewOutcome.VARY: gettext_lazy("Propose a variation"),
    ReviewOutcome.TERMINATE: gettext_lazy("Propose ending the agreement"),
}


def _record_outcome(*, outcome, review, by, data):
    """Call the outcome's service; return the confirmation message."""
    if outcome == ReviewOutcome.CONTINUE:
        lifecycle.agreement_review_continue(
            review=review,
            by=by,
            new_review_date=data["new_review_date"],
            comment=data.get("comment", ""),
        )
        return _("Review closed: the agreement continues.")
    if outcome == ReviewOutcome.VARY:
        consent = lifecycle.agreement_review_vary(review=review, by=by, reason=data["reason"])
        if consent.status == ConsentStatus.AGREED:
            return _("Every party agreed: the proposal has gone back to its authors.")
        return _(
            "You proposed a variation. The other parties have been asked: it takes effect when "
            "every party has agreed."
        )
    consent = lifecycle.agreement_review_terminate(
        review=review, by=by, reason=data["reason"], end_date=data["end_date"]
    )
    agreement = consent.agreement
    agreement.refresh_from_db()
    if agreement.status == AgreementStatus.TERMINATED:
        return _("Every party agreed: the agreement is terminated.")
    if consent.status == ConsentStatus.AGREED:
        return _("Every party agreed: the agreement ends on %(date)s.") % {
            "date": formats.date_format(agreement.terminates_on, "j F Y")
        }
    return _(
        "You proposed ending the agreement. The other parties have been asked: it ends only "
        "when every party has agreed."
    )


@login_required
@require_http_methods(["GET", "POST"])
def review_outcome(request, reference, outcome):
    """The questions of one outcome, then the change itself."""
    agreement = agreement_for(request, reference)
    _require_manager(request, agreement)
    if outcome not in OUTCOME_FORMS:
        raise Http404
    review = _open_review_or_redirect(request, agreement)
    if review is None:
        return redirect("agreements:lifecycle", reference=agreement.reference)
    form = OUTCOME_FORMS[outcome](request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            message = _record_outcome(
                outcome=outcome, review=review, by=request.user, data=form.cleaned_data
            )
        except lifecycle.NotAllowed as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, message)
            return redirect("agreements:lifecycle", reference=agreement.reference)
    return render(
        request,
        "agreements/lifecycle_review_outcome.html",
        {
            "agreement": agreement,
            "review": review,
            "form": form,
            "outcome": outcome,
            "heading": OUTCOME_HEADINGS[outcome],
        },
    )


urlpatterns = [
    path("", register_list, name="register"),
    path("register.csv", register_csv, name="register-csv"),
    path("record-signed-outside/", external_record, name="external-record"),
    path("<str:reference>/lifecycle/", agreement_lifecycle, name="lifecycle"),
    path("<str:reference>/review/open/", review_open, name="review-open"),
    path("<str:reference>/review/", review_close, name="review"),
    path("<str:reference>/review/<str:outcome>/", review_outcome, name="review-outcome"),
]
