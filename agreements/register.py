"""Reads of the agreement register: every signed-in partner sees each agreement's summary
(reference, title, parties, status, dates), so nobody proposes what already exists. The
content and the PDFs stay with the parties (permissions.py).

The register's page, its CSV export and the API's register share one query
(register_entries), reached through one set of filters (filters.RegisterFilter), so the three
show the same agreements; its search is search.py's.
"""

import datetime
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from isf_portal.compiled import CompiledRead
from isf_portal.search import every_word, like_pattern, search_words, with_total
from isf_portal.spreadsheet import csv_lines, iso_date

from . import permissions
from .models import Agreement, AgreementParty, AgreementStatus
from .search import agreements_matching, word_matching

ANY_STATUS = "any"

# What a register entry tells about an agreement, in the register (its page, CSV and the
# API's register) and on the public register: each reads these columns and no others of
# the agreement's, and the API's entry carries these fields.
SUMMARY_FIELDS = (
    "reference",
    "title",
    "status",
    "is_external",
    "has_special_category",
    "has_criminal_offence",
    "start_date",
    "end_date",
    "review_date",
)
DEFAULT_STATUS = AgreementStatus.ACTIVE


class Category:
    """The data-category filter: what the agreement lets partners share."""

    PERSONAL_ONLY = "personal"
    SPECIAL = "special"
    CRIMINAL = "criminal"

    choices = [
        (PERSONAL_ONLY, gettext_lazy("Personal data only")),
        (SPECIAL, gettext_lazy("Special category data (UK GDPR Article 9)")),
        (CRIMINAL, gettext_lazy("Criminal offence data (UK GDPR Article 10)")),
    ]


# Sort keys people see in the URL, and the columns they order by (pk breaks ties, so pages
# never repeat or skip a row).
SORTS = {
    "reference": "reference",
    "title": "title",
    "review": "review_date",
    "end": "end_date",
}
DEFAULT_SORT = "reference"

STATUS_TAG_CLASSES = {
    AgreementStatus.GENERATING: "govuk-tag--grey",
    AgreementStatus.AWAITING_SIGNATURES: "govuk-tag--yellow",
    AgreementStatus.SEALING: "govuk-tag--yellow",
    AgreementStatus.ACTIVE: "govuk-tag--green",
    AgreementStatus.EXPIRED: "govuk-tag--grey",
    AgreementStatus.TERMINATED: "govuk-tag--red",
    AgreementStatus.SUPERSEDED: "govuk-tag--purple",
    AgreementStatus.WITHDRAWN: "govuk-tag--orange",
}


@dataclass
class RegisterFilters:
    """What the register shows: read from a query string by filters.RegisterFilter."""

    q: str = ""
    organisation_id: int | None = None
    category: str = ""
    status: str = DEFAULT_STATUS
    review_before: datetime.date | None = None
    sort: str = DEFAULT_SORT
    descending: bool = False

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.q
            or self.organisation_id
            or self.category
            or self.review_before
            or self.status != DEFAULT_STATUS
        )


def _parties_prefetch() -> Prefetch:
    return Prefetch(
        "parties",
        queryset=AgreementParty.objects.only(
            "id", "agreement_id", "organisation_id", "name", "short_name", "is_lead"
        ).order_by("-is_lead", "name"),
    )


def register_entries(
    *,
    filters: RegisterFilters,
    user=None,
    queryset: QuerySet[Agreement] | None = None,
    matching: Q | None = None,
) -> QuerySet[Agreement]:
    """The agreements the filters select (from `queryset`, every agreement by default), in the
    chosen order, with their parties. The search is search.py's: for `user`, it also looks in
    the agreements they may read (None: in the summaries only).

    Every condition on parties is a subquery rather than a join, so an agreement with many
    parties appears once and the query needs no DISTINCT. `matching`: the search's condition
    in place of filters.q's (the compiled page read's, with its words' markers)."""
    queryset = (Agreement.objects.all() if queryset is None else queryset).only(
        "id", *SUMMARY_FIELDS, "terminates_on", "created_at"
    )
    if filters.status != ANY_STATUS:
        queryset = queryset.filter(status=filters.status)
    if matching is not None:
        queryset = queryset.filter(matching)
    elif filters.q:
        queryset = queryset.filter(agreements_matching(filters.q, user=user))
    if filters.organisation_id:
        queryset = queryset.filter(
            Exists(
                AgreementParty.objects.filter(
                    agreement=OuterRef("pk"), organisation_id=filters.organisation_id
                )
            )
        )
    if filters.category == Category.PERSONAL_ONLY:
        queryset = queryset.filter(has_special_category=False, has_criminal_offence=False)
    elif filters.category == Category.SPECIAL:
        queryset = queryset.filter(has_special_category=True)
    elif filters.category == Category.CRIMINAL:
        queryset = queryset.filter(has_criminal_offence=True)
    if filters.review_before:
        queryset = queryset.filter(review_date__lt=filters.review_before)
    column = F(SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))
    # Agreements without the date sort after those with one, whichever the direction.
    if filters.descending:
        order = [column.desc(nulls_last=True), "-pk"]
    else:
        order = [column.asc(nulls_last=True), "pk"]
    return queryset.order_by(*order).prefetch_related(_parties_prefetch())


# A reference of these characters is its own URL path segment (reverse() quotes nothing).
_PLAIN_REFERENCE = re.compile(r"[A-Za-z0-9._~-]+")
_REFERENCE_SLOT = "REFERENCE"


@functools.cache
def _detail_url_pattern(script_prefix: str) -> str:
    # reverse() reads the same prefix; the argument only keys the cache.
    return reverse("agreements:detail", args=[_REFERENCE_SLOT])


def agreement_url(reference: str) -> str:
    """The agreement page if it exists yet, otherwise its lifecycle page. A plain reference
    (every one the portal makes) fills in the page's path reversed once per process: a page
    of the register links up to 25 agreements."""
    if _PLAIN_REFERENCE.fullmatch(reference):
        pattern = _detail_url_pattern(get_script_prefix())
        return pattern.replace(_REFERENCE_SLOT, reference, 1)
    try:
        return reverse("agreements:detail", args=[reference])
    except NoReverseMatch:
        return reverse("agreements:lifecycle", args=[reference])


_PARTY_NAMES = CompiledRead(
    lambda ids: (
        AgreementParty.objects.filter(agreement_id__in=ids)
        .order_by("-is_lead", "name", "pk")
        .values_list("agreement_id", "name")
    ),
    ids=tuple,
)


def party_names(agreement_ids: Iterable[int]) -> dict[int, list[str]]:
    """The names of these agreements' parties, the lead's first and then by name (the order
    the register lists them in), read as (agreement, name) pairs in one compiled query: the
    register's page shows nothing else of a party, and building the parties as model
    instances (seven an agreement) cost more than the rest of its rows."""
    names: dict[int, list[str]] = {pk: [] for pk in agreement_ids}
    if names:
        for agreement_id, name in _PARTY_NAMES.rows(ids=tuple(names)):
            names[agreement_id].append(name)
    return names


# --- The register page's rows, a compiled read ---------------------------------------------
# One CompiledRead a set of slots (the reader, the organisation filtered by, each searched
# word's pattern); the other filters, the order and the page's offset are its shape, each
# compiled once per value.
_PAGE_READS: dict[tuple, CompiledRead] = {}
PAGE_READ_LIMIT = 25


def _page_queryset(
    *, user, organisation=None, status, category, sort, descending, offset, limit, **words
):
    filters = RegisterFilters(
        organisation_id=organisation,
        category=category,
        status=status,
        sort=sort,
        descending=descending,
    )
    reader = get_user_model()(pk=user)
    matching = None
    if words:
        patterns = [words[f"w{i}"] for i in range(len(words))]
        matching = every_word(patterns, word_matching(user=reader, pattern=True))
    queryset = register_entries(filters=filters, user=reader, matching=matching)
    # Counted apart from the page where the filters are plain columns (status, category), and
    # before may_open is added, so the count's subquery does not carry it.
    queryset = with_total(queryset.prefetch_related(None), cheap=not words and not organisation)
    queryset = queryset.annotate(may_open=permissions.may_open(user=reader))
    return queryset[offset : offset + limit]


def page_entries(filters: RegisterFilters, *, user, offset: int, limit: int) -> list[Agreement]:
    """register_entries's agreements for a signed-in `user` (filters without review_before)
    from `offset`, at most `limit`, each with `may_open` (whether the user may open it) and
    `_total` (isf_portal.search.with_total): one compiled query, the same rows as the
    queryset's."""
    words = search_words(filters.q)
    key = (len(words), bool(filters.organisation_id))
    read = _PAGE_READS.get(key)
    if read is None:
        slots = {"user": int, **({"organisation": int} if key[1] else {})}
        slots.update((f"w{i}", str) for i in range(len(words)))
        read = _PAGE_READS.setdefault(key, CompiledRead(_page_queryset, **slots))
    connection = connections[router.db_for_read(Agreement)]
    values = {f"w{i}": like_pattern(word, connection) for i, word in enumerate(words)}
    if filters.organisation_id:
        values["organisation"] = filters.organisation_id
    return read.instances(
        user=user.pk,
        status=filters.status,
        category=filters.category,
        sort=filters.sort,
        descending=filters.descending,
        offset=offset,
        limit=limit,
        **values,
    )


# What categories_of says of the personal, special category and criminal offence data an
# agreement lets partners share.
CATEGORY_LABELS = (
    gettext_lazy("Personal data"),
    gettext_lazy("Special category"),
    gettext_lazy("Criminal offence"),
)


def categories_of(agreement: Agreement, labels=CATEGORY_LABELS) -> list[str]:
    """The kinds of data the agreement covers, in words: `labels` are CATEGORY_LABELS, or
    their text already translated (a table of many agreements translates them once)."""
    personal, special, criminal = labels
    found = [str(personal)]
    if agreement.has_special_category:
        found.append(str(special))
    if agreement.has_criminal_offence:
        found.append(str(criminal))
    return found


# --- CSV (cells neutralised by isf_portal/spreadsheet.py) -----------------------------------
CSV_HEADER = [
    gettext_lazy("Reference"),
    gettext_lazy("Title"),
    gettext_lazy("Parties"),
    gettext_lazy("Status"),
    gettext_lazy("Signed outside the portal"),
    gettext_lazy("Data categories"),
    gettext_lazy("Start date"),
    gettext_lazy("End date"),
    gettext_lazy("Review date"),
]


def csv_rows(queryset: QuerySet[Agreement]) -> Iterator[str]:
    """The register as CSV lines, streamed in chunks so a large export never sits in
    memory."""
    return csv_lines(
        CSV_HEADER,
        (
            (
                agreement.reference,
                agreement.title,
                "; ".join(party.name for party in agreement.parties.all()),
                agreement.status_label,
                _("Yes") if agreement.is_external else _("No"),
                "; ".join(categories_of(agreement)),
                iso_date(agreement.start_date),
                iso_date(agreement.end_date),
                iso_date(agreement.review_date),
            )
            for agreement in queryset.iterator(chunk_size=500)
        ),
    )
