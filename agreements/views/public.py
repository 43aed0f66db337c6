"""The public transparency register (`/register/public/`, no sign-in): the agreements every
party agreed to publish (publication.py), searchable, paged, as CSV and as an Atom feed.
Anything not published and active answers 404 and is never counted. And, for an agreement's
parties, proposing to publish it and taking it off again (a party's governance officer;
anyone else gets 404, or 403 if they may see the agreement)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models import OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from isf_portal.compiled import CompiledRead
from isf_portal.domain import DomainError
from isf_portal.forms import GovukForm
from isf_portal.search import (
    every_word,
    like_pattern,
    page_counted,
    page_number,
    search_words,
    with_total,
)
from sharing_requests.models import ProposalVersion

from .. import consents, publication, register
from ..models import Agreement, ConsentStatus
from ..permissions import agreement_for
from ..public_table import public_list_html
from ..search import word_matching

PAGE_SIZE = 20
COMPILED_PAGES = 40
FEED_ENTRIES = 50


class PublicSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)

    def text(self) -> str:
        return self.cleaned_data.get("q", "").strip() if self.is_valid() else ""


def _reason_form(name: str, *, label, hint, required, noun) -> type[GovukForm]:
    """A form for the reason a party gives the other parties for a publication step: the
    same field for proposing and for withdrawing, in each one's own words."""
    return type(
        name,
        (GovukForm,),
        {
            "messages": {"reason": (required, noun)},
            "reason": forms.CharField(
                label=label,
                help_text=hint,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 3}),
            ),
        },
    )


PublishForm = _reason_form(
    "PublishForm",
    label=gettext_lazy("Why should the public see this agreement?"),
    hint=gettext_lazy("The other parties read this when they are asked to agree."),
    required=gettext_lazy("Say why the agreement should be published"),
    noun=gettext_lazy("Why publish it"),
)
UnpublishForm = _reason_form(
    "UnpublishForm",
    label=gettext_lazy("Why is your organisation withdrawing its agreement to publish?"),
    hint=gettext_lazy("The other parties are told, with this reason."),
    required=gettext_lazy("Give the reason for taking it off the public register"),
    noun=gettext_lazy("The reason"),
)


# --- The public register --------------------------------------------------------------------
# What the list shows of an entry: its summary and purpose (the vision statement agreed, the
# only part of the version's snapshot it reads, extracted by the database rather than the
# whole snapshot decoded here). The purpose is a subquery, which PostgreSQL leaves until the
# page's rows are chosen: joined, it was extracted from every published agreement's snapshot
# (500 in make bench, 6 of the page's 7.7 ms), for the window's count and the sort.
LIST_FIELDS = ("reference", "title", "start_date", "end_date", "review_date")
_PURPOSE = Subquery(
    ProposalVersion.objects.filter(pk=OuterRef("version_id"))
    .annotate(purpose=KeyTextTransform("text", KeyTransform("vision", "snapshot")))
    .values("purpose")[:1]
)


def _list_queryset(*, offset, **words):
    entries = publication.published_agreements()
    if words:
        patterns = [words[f"w{i}"] for i in range(len(words))]
        entries = entries.filter(every_word(patterns, word_matching(pattern=True)))
    entries = entries.annotate(purpose=_PURPOSE)
    entries = with_total(entries.order_by("-published_at", "-pk"), cheap=not words)
    return entries.values_list("pk", *LIST_FIELDS, "purpose", "_total")[offset : offset + PAGE_SIZE]


_LIST_READS: dict[int, CompiledRead] = {}


class _Entry(tuple):
    """A row of the list's read, with the `_total` page_counted reads."""

    @property
    def _total(self):
        return self[-1]


def _list_rows(q: str, offset: int) -> list[_Entry]:
    """publication.public_entries(q)'s page from `offset`, as rows of (id, *LIST_FIELDS,
    purpose, total): one compiled query for each number of words searched."""
    words = search_words(q)
    read = _LIST_READS.get(len(words))
    if read is None:
        slots = {f"w{i}": str for i in range(len(words))}
        read = _LIST_READS.setdefault(len(words), CompiledRead(_list_queryset, **slots))
    connection = connections[router.db_for_read(Agreement)]
    values = {f"w{i}": like_pattern(word, connection) for i, word in enumerate(words)}
    return [_Entry(row) for row in read.rows(offset=offset, **values)]


@require_GET
def public_list(request):
    """The published agreements, newest first, searchable by title, reference or party."""
    q = PublicSearchForm(request.GET).text()
    number = page_number(request.GET.get("page"))
    # The offset is part of the compiled shape: the first pages only (a plan each).
    compiled = number <= COMPILED_PAGES
    page = page_counted(
        (lambda: publication.public_entries(q)) if compiled else publication.public_entries(q),
        number,
        PAGE_SIZE,
        read=(lambda offset: _list_rows(q, offset)) if compiled else None,
    )
    rows = list(page.object_list)
    if rows and not isinstance(rows[0], _Entry):  # the ORM's page (far on, or past the end)
        rows = [
            _Entry((a.pk, *(getattr(a, f) for f in LIST_FIELDS), row["purpose"], 0))
            for a, row in zip(rows, publication.public_rows(rows), strict=True)
        ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "agreements/public/list.html",
        {
            "q": q,
            "page": page,
            "rows": rows,
            "entries": public_list_html(rows, register.party_names(row[0] for row in rows)),
            "query": query.urlencode(),
            "csv_query": query.urlencode(),
        },
    )


@require_GET
def public_detail(request, reference):
    agreement = publication.public_agreement(reference)
    if agreement is None:
        raise Http404
    return render(
        request,
        "agreements/public/detail.html",
        {"row": publication.public_rows([agreement])[0]},
    )


@require_GET
def public_csv(request):
    """Every published agreement the search selects (not just one page), as CSV."""
    q = PublicSearchForm(request.GET).text()
    response = StreamingHttpResponse(
        publication.csv_rows(publication.public_entries(q)),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="public-register-{stamp}.csv"'
    return response


class PublicFeed(Feed):
    """An Atom feed of the agreements most recently published."""

    feed_type = Atom1Feed
    title = gettext_lazy("ISF Portal: public register of data-sharing agreements")
    subtitle = gettext_lazy("Data-sharing agreements newly published on the public register.")

    def link(self):
        return reverse("public-register:list")

    def items(self):
        return publication.public_rows(publication.public_entries()[:FEED_ENTRIES])

    def item_title(self, row):
        return f"{row['agreement'].reference}: {row['agreement'].title}"

    def item_description(self, row):
        parties = _("Parties: %(parties)s.") % {"parties": ", ".join(row["parties"])}
        return f"{row['purpose']} {parties}".strip()

    def item_link(self, row):
        return reverse("public-register:detail", args=[row["agreement"].reference])

    def item_pubdate(self, row):
        return row["agreement"].published_at

    def item_updateddate(self, row):
        return row["agreement"].published_at


urlpatterns = [
    path("", public_list, name="list"),
    path("register.csv", public_csv, name="csv"),
    path("feed.atom", PublicFeed(), name="feed"),
    path("<str:reference>/", public_detail, name="detail"),
]


# --- Proposing to publish (the agreement's parties) -----------------------------------------
def _party_agreement(request, reference):
    """The agreement, for a party's governance officer: 404 for those who may not see it, 403
    for those who see it but may not propose or withdraw publication."""
    agreement = agreement_for(request, reference)
    if not publication.may_propose(request, agreement):
        raise PermissionDenied
    return agreement


def _reason_page(request, agreement, form_class, template, act):
    """Ask for the reason and, once given, `act(reason)` (a publication service returning the
    success message): back to the agreement, or the form again with the service's problem."""
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            message = act(form.cleaned_data["reason"])
        except consents.NotAllowed as exc:
            raise PermissionDenied from exc
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, message)
            return redirect("agreements:detail", reference=agreement.reference)
    return render(
        request,
        template,
        {"agreement": agreement, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def publish_propose(request, reference):
    """A party's governance officer asks every party to agree to publish the agreement."""
    agreement = _party_agreement(request, reference)
    problem = publication.publication_problem(agreement)
    if problem:
        messages.info(request, problem)
        return redirect("agreements:detail", reference=agreement.reference)

    def propose(reason):
        consent = publication.agreement_publish_propose(
            agreement=agreement, by=request.user, reason=reason
        )
        if consent.status == ConsentStatus.AGREED:
            return _("Every party agreed: the agreement is on the public register.")
        return _(
            "You proposed publishing it. The other parties have been asked: it is "
            "published only when every party has agreed."
        )

    return _reason_page(request, agreement, PublishForm, "agreements/public/propose.html", propose)


@login_required
@require_http_methods(["GET", "POST"])
def publish_withdraw(request, reference):
    """A party's governance officer takes a published agreement off the public register."""
    agreement = _party_agreement(request, reference)
    if not agreement.published_at:
        messages.info(request, _("This agreement is not on the public register."))
        return redirect("agreements:detail", reference=agreement.reference)

    def withdraw(reason):
        publication.agreement_unpublish(agreement=agreement, by=request.user, reason=reason)
        return _("The agreement is off the public register. The parties were told.")

    return _reason_page(
        request, agreement, UnpublishForm, "agreements/public/withdraw.html", withdraw
    )


party_urlpatterns = [
    path("<str:reference>/publish/", publish_propose, name="publish"),
    path("<str:reference>/publish/withdraw/", publish_withdraw, name="publish-withdraw"),
]
