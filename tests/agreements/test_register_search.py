"""The register's search (agreements/search.py on isf_portal/search.py): words match on their
own, data items and legal gateways only for those who may read the agreement, the CSV agrees
with the page, one query for a page and its count, a query count that does not grow, the
PostgreSQL indexes, and the organisation filter's cached list."""

import csv
import io

import pytest
from django import forms
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements import register
from agreements.filters import RegisterFilter
from agreements.models import Agreement, AgreementStatus
from agreements.register import RegisterFilters
from agreements.search import agreements_matching, detail_text
from isf_portal.search import MAX_WORDS, page_counted, search_words, with_total
from tests.agreements.register_builders import make_agreement
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

REGISTER = reverse("agreements:register")
CSV = reverse("agreements:register-csv")
POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's trigram indexes"
)


def found(text: str, user=None) -> set[str]:
    filters = RegisterFilters(q=text, status=register.ANY_STATUS)
    return {a.title for a in register.register_entries(filters=filters, user=user)}


@pytest.fixture
def agreements(org_a, org_b, org_c):
    """Between Ardwick and Bradford Park: one with a data item and a gateway only its parties
    (and the steering group) may read about."""
    fire = make_agreement(org_a, org_b, title="Fire-risk referrals")
    fire.search_detail = "Pseudonymised NHS number\nFire and Rescue Services Act 2004 s.6"
    fire.save()
    make_agreement(org_a, org_c, title="Hoarding panel", status=AgreementStatus.EXPIRED)
    make_agreement(org_b, org_c, title="Risk of fire in tower blocks")
    make_agreement(org_b, org_c, title="Safeguarding referrals")
    return fire


# --- Words -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("fire risk", ["fire", "risk"]),
        ("  fire-risk, referrals ", ["fire", "risk", "referrals"]),
        ("Fire FIRE fire", ["Fire"]),  # each word once, whatever its case
        ("DSA-2026-0012", ["DSA", "2026", "0012"]),
        ("", []),
        ("-- ,", []),
    ],
)
def test_search_words(text, words):
    assert search_words(text) == words


def test_search_words_keeps_at_most_max_words():
    assert len(search_words(" ".join(f"w{n}" for n in range(20)))) == MAX_WORDS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fire risk", {"Fire-risk referrals", "Risk of fire in tower blocks"}),
        ("risk fire", {"Fire-risk referrals", "Risk of fire in tower blocks"}),
        ("fire-risk", {"Fire-risk referrals", "Risk of fire in tower blocks"}),
        ("fire referrals", {"Fire-risk referrals"}),
        # One word in the title, the other in a party's name.
        ("hoarding collyhurst", {"Hoarding panel"}),
        ("hoarding referrals", set()),
        ("BPNT safeguarding", {"Safeguarding referrals"}),  # a party's short name
        ("fire nothing", set()),
    ],
)
def test_each_word_matches_on_its_own(agreements, text, expected):
    assert found(text) == expected


def test_search_by_reference_in_any_case(agreements):
    assert found(agreements.reference.lower()) == {"Fire-risk referrals"}


# --- Data items and gateways: only for those who may read the agreement ---------------------
@pytest.mark.parametrize(
    "text", ["pseudonymised", "Rescue Services Act", "referrals pseudonymised"]
)
def test_data_items_and_gateways_found_only_by_those_who_may_read_them(
    agreements, text, member_a, approver_b, steering_member, outsider
):
    for reader in (member_a, approver_b, steering_member):
        assert found(text, reader) == {"Fire-risk referrals"}, reader
    assert found(text, outsider) == set()  # party to other agreements, not this one
    assert found(text) == set()  # no user: the summary only (the public register)


def test_outsider_pages_and_csv_never_reveal_a_data_item_match(
    client_for, agreements, outsider, member_a
):
    client = client_for(outsider)
    page = client.get(REGISTER, {"q": "pseudonymised", "status": "any"}).content.decode()
    assert "No agreements match these filters." in page
    assert agreements.reference not in page
    assert len(read_csv(client.get(CSV, {"q": "pseudonymised", "status": "any"}))) == 1
    page = client_for(member_a).get(REGISTER, {"q": "pseudonymised"}).content.decode()
    assert agreements.reference in page


def test_detail_text_is_the_data_items_and_the_legal_gateways():
    snapshot = {
        "data_items": [{"name": "NHS number"}, {"name": " Address "}, {"name": ""}],
        "participants": [
            {"lawful_bases": [{"legal_power": "Care Act 2014 s.6"}, {"legal_power": ""}]},
            {"lawful_bases": [{"legal_power": "Care Act 2014 s.6"}]},
            {},
        ],
    }
    assert detail_text(snapshot) == "NHS number\nAddress\nCare Act 2014 s.6"
    assert detail_text({}) == ""


def test_generation_fills_the_searchable_detail(agreement, approved_version):
    snapshot = approved_version.snapshot
    item = snapshot["data_items"][0]["name"]
    gateway = snapshot["participants"][0]["lawful_bases"][0]["legal_power"]
    assert item in agreement.search_detail and gateway in agreement.search_detail
    assert agreement.search_detail == detail_text(snapshot)


def test_empty_search_selects_everything(agreements):
    assert Agreement.objects.filter(agreements_matching("  ")).count() == 4


# --- The page and its CSV --------------------------------------------------------------------
def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


@pytest.mark.parametrize("persona", ["member_a", "outsider"])
@pytest.mark.parametrize("text", ["fire risk", "referrals", "pseudonymised fire"])
def test_csv_has_the_rows_the_page_shows(client_for, agreements, request, persona, text):
    client = client_for(request.getfixturevalue(persona))
    query = {"q": text, "status": "any", "sort": "title"}
    page = client.get(REGISTER, query).content.decode()
    rows = read_csv(client.get(CSV, query))[1:]
    assert [r[0] for r in rows] == [
        a.reference for a in Agreement.objects.order_by("title") if a.reference in page
    ]
    assert f"{len(rows)} agreement" in page if rows else "No agreements match" in page


def test_page_and_count_come_in_one_query(org_a, org_b, django_assert_num_queries):
    for number in range(7):
        make_agreement(org_a, org_b, title=f"Agreement {number}")
    entries = Agreement.objects.order_by("title", "pk")
    with django_assert_num_queries(1):
        page = page_counted(entries, "2", 3)
        titles = [a.title for a in page]
    assert titles == ["Agreement 3", "Agreement 4", "Agreement 5"]
    assert (page.paginator.count, page.paginator.num_pages, page.number) == (7, 3, 2)
    assert page.has_next() and page.has_previous()
    assert [a.title for a in page_counted(entries, "99", 3)] == ["Agreement 6"]  # the last page
    assert page_counted(entries, "x", 3).number == 1
    with django_assert_num_queries(1):
        assert page_counted(entries.filter(title="none"), "1", 3).paginator.count == 0


@pytest.mark.parametrize("cheap", [False, True])
def test_the_total_counted_apart_agrees_with_the_window(org_a, org_b, cheap):
    """with_total(cheap=True) counts the same rows in a subquery rather than a window: the
    same totals, on every page, with and without rows."""
    for number in range(7):  # 0, 3 and 6 expired
        status = AgreementStatus.EXPIRED if number % 3 == 0 else AgreementStatus.ACTIVE
        make_agreement(org_a, org_b, title=f"Agreement {number}", status=status)
    active = Agreement.objects.filter(status=AgreementStatus.ACTIVE).order_by("title", "pk")
    rows = list(with_total(active, cheap=cheap)[2:4])
    assert [(a.title, a._total) for a in rows] == [("Agreement 4", 4), ("Agreement 5", 4)]
    assert list(with_total(active.filter(title="none"), cheap=cheap)) == []
    everything = with_total(Agreement.objects.order_by("pk"), cheap=cheap)
    assert {a._total for a in everything} == {7}


def test_the_register_counts_its_unfiltered_list_apart_and_its_search_in_a_window(
    client_for, member_a, org_a, org_b
):
    """The register's first page without a search: the count in a subquery (PostgreSQL runs
    it once; the page reads only its rows); with a search, the window (the search runs once)."""
    for number in range(4):
        make_agreement(org_a, org_b, title=f"Fire-risk referrals {number}")
    client = client_for(member_a)
    client.get(REGISTER)

    def page_statement(query) -> str:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(REGISTER, query)
        assert "4 agreements" in response.content.decode()
        return next(q["sql"] for q in queries if '"_total"' in q["sql"])

    assert "OVER ()" not in page_statement({}) and "COUNT(" in page_statement({})
    assert "OVER ()" in page_statement({"q": "fire"})


def test_register_search_query_count_is_the_same_at_two_sizes(client_for, member_a, org_a, org_b):
    client = client_for(member_a)
    counts = []
    for size in (3, 15):
        while Agreement.objects.count() < size:
            make_agreement(org_a, org_b, title=f"Fire-risk referrals {Agreement.objects.count()}")
        client.get(REGISTER)  # warm the session and the content-type cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get(REGISTER, {"q": "fire risk", "organisation": org_a.pk})
        assert f"{size} agreements" in response.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    # The organisations list's version, the page with its count, its parties, which rows the
    # user may open, their roles; the session and the layout the rest (before: 7 more).
    assert counts[0] <= 6, counts


# --- PostgreSQL ------------------------------------------------------------------------------
TRIGRAM_INDEXES = [
    "agreement_title_trgm",
    "agreement_reference_trgm",
    "agreement_party_name_trgm",
    "agreement_party_short_name_trgm",
    "agreement_search_detail_trgm",
]


@POSTGRES_ONLY
def test_trigram_indexes_exist_without_a_pending_list():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)", [TRIGRAM_INDEXES]
        )
        options = dict(cursor.fetchall())
    assert set(options) == set(TRIGRAM_INDEXES)
    assert all(value == ["fastupdate=off"] for value in options.values()), options


@POSTGRES_ONLY
def test_the_search_query_can_use_the_trigram_indexes(agreements, member_a):
    """The search compares exactly the indexed expression. A tiny table is cheaper to scan,
    so sequential scans are priced out to show the indexes serve the query as written (at
    scale the planner picks them by itself: see the closing note of issue #11)."""
    filters = RegisterFilters(q="fire risk", status=register.ANY_STATUS)
    entries = register.register_entries(filters=filters, user=member_a)
    sql, params = entries.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # Each column through its own index: the agreement's reference, title and detail (the
    # reader may read it) as sets of ids, not tested row by row.
    for index in (
        "agreement_party_name_trgm",
        "agreement_party_short_name_trgm",
        "agreement_title_trgm",
        "agreement_reference_trgm",
        "agreement_search_detail_trgm",
    ):
        assert index in plan, plan
    sql, params = (
        Agreement.objects.filter(title__icontains="fire").values("pk").query.sql_with_params()
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        assert "agreement_title_trgm" in "\n".join(row[0] for row in cursor.fetchall())


# --- The organisation filter -----------------------------------------------------------------
def test_organisation_filter_lists_every_organisation_and_follows_changes(org_a, org_b, org_c):
    def options(data=None) -> str:
        return str(RegisterFilter(data).form["organisation"])

    html = options()
    assert html.index("Ardwick Borough Council") < html.index("Collyhurst Housing")
    new = OrganisationFactory(name="Abbey Hey Trust", slug="abbey-hey")
    assert "Abbey Hey Trust" in options()  # a new organisation: a new version of the list
    new.name = "Zeal Trust"
    new.save()
    html = options()
    assert "Zeal Trust" in html and "Abbey Hey Trust" not in html
    chosen = options({"organisation": str(org_b.pk)})
    assert f'<option value="{org_b.pk}" selected>Bradford Park NHS Trust</option>' in chosen
    assert chosen.count(" selected") == 1


@pytest.mark.parametrize("value", [None, "", "ORG"])
def test_organisation_filter_markup_is_djangos(org_a, org_b, value):
    data = {"organisation": str(org_a.pk) if value == "ORG" else value} if value else None
    bound = RegisterFilter(data).form["organisation"]
    ours = str(bound)
    widget = bound.field.widget
    stock = forms.Select(choices=bound.field.choices, attrs=widget.attrs).render(
        bound.html_name, bound.value(), {"id": bound.auto_id}
    )
    assert parse_html(ours) == parse_html(stock)


def test_an_unknown_organisation_shows_the_error_and_keeps_the_search(
    client_for, member_a, agreements
):
    response = client_for(member_a).get(REGISTER, {"q": "fire risk", "organisation": "999999"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and "Select an organisation from the list" in page
    assert "Fire-risk referrals" in page and "Risk of fire in tower blocks" in page


def test_migration_fills_the_detail_of_existing_agreements(agreement, approved_version):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("agreements.migrations.0005_search_detail")
    Agreement.objects.filter(pk=agreement.pk).update(search_detail="")
    migration.fill(apps, None)
    agreement.refresh_from_db()
    assert agreement.search_detail == detail_text(approved_version.snapshot) != ""
