"""The register's query: filters, search, sorting and the CSV export's neutralised cells."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from agreements import permissions, register
from agreements.models import AgreementStatus
from agreements.publication import public_entries
from agreements.register import Category, RegisterFilters
from api.serializers import RegisterEntrySerializer
from isf_portal import spreadsheet
from tests.agreements.register_builders import make_agreement
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 1)


def refs(filters: RegisterFilters) -> list[str]:
    return [a.reference for a in register.register_entries(filters=filters)]


@pytest.fixture
def agreements(org_a, org_b, org_c):
    """Five agreements across three organisations, in every data category and status."""
    return {
        "falls": make_agreement(
            org_a, org_b, title="Falls prevention referrals", review=TODAY.replace(month=9)
        ),
        "offenders": make_agreement(
            org_b,
            org_c,
            title="Integrated offender management",
            criminal=True,
            review=TODAY.replace(month=7),
            end=TODAY.replace(year=2028),
        ),
        "mental": make_agreement(
            org_a,
            org_c,
            title="Mental health crisis support",
            special=True,
            review=TODAY.replace(month=8),
            end=TODAY.replace(year=2027),
        ),
        "expired": make_agreement(
            org_a,
            title="Old shielding lists",
            status=AgreementStatus.EXPIRED,
            special=True,
            review=TODAY.replace(year=2024),
            end=TODAY.replace(year=2025),
        ),
        "draft": make_agreement(
            org_b, org_c, title="Travel passes", status=AgreementStatus.AWAITING_SIGNATURES
        ),
    }


def test_register_shows_active_agreements_by_default(agreements):
    shown = refs(RegisterFilters())
    assert set(shown) == {agreements[k].reference for k in ("falls", "offenders", "mental")}


def test_any_status_shows_every_agreement(agreements):
    assert len(refs(RegisterFilters(status=register.ANY_STATUS))) == 5


def test_status_filter_selects_that_status(agreements):
    assert refs(RegisterFilters(status=AgreementStatus.EXPIRED)) == [
        agreements["expired"].reference
    ]
    assert refs(RegisterFilters(status=AgreementStatus.AWAITING_SIGNATURES)) == [
        agreements["draft"].reference
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("falls", {"falls"}),  # title, any case
        ("OFFENDER", {"offenders"}),
        ("Collyhurst", {"offenders", "mental"}),  # a party's name
        ("BPNT", {"falls", "offenders"}),  # a party's short name
        ("nothing like this", set()),
    ],
)
def test_search_matches_title_reference_and_party_names(agreements, text, expected):
    shown = refs(RegisterFilters(q=text))
    assert set(shown) == {agreements[k].reference for k in expected}
    assert len(shown) == len(set(shown)), "an agreement with two matching parties shows once"


def test_search_by_reference(agreements):
    reference = agreements["mental"].reference
    assert refs(RegisterFilters(q=reference.lower())) == [reference]


def test_organisation_filter_shows_only_its_agreements(agreements, org_c):
    shown = refs(RegisterFilters(organisation_id=org_c.pk, status=register.ANY_STATUS))
    assert set(shown) == {agreements[k].reference for k in ("offenders", "mental", "draft")}


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        (Category.PERSONAL_ONLY, {"falls"}),
        (Category.SPECIAL, {"mental"}),
        (Category.CRIMINAL, {"offenders"}),
    ],
)
def test_data_category_filter(agreements, category, expected):
    assert set(refs(RegisterFilters(category=category))) == {
        agreements[k].reference for k in expected
    }


def test_review_date_filter_shows_reviews_before_the_date(agreements):
    shown = refs(RegisterFilters(review_before=TODAY.replace(month=8, day=15)))
    assert set(shown) == {agreements["offenders"].reference, agreements["mental"].reference}


def test_filters_combine(agreements, org_a):
    filters = RegisterFilters(
        organisation_id=org_a.pk, category=Category.SPECIAL, status=register.ANY_STATUS
    )
    assert set(refs(filters)) == {agreements["mental"].reference, agreements["expired"].reference}


@pytest.mark.parametrize(
    ("sort", "descending", "expected"),
    [
        ("title", False, ["falls", "offenders", "mental"]),
        ("title", True, ["mental", "offenders", "falls"]),
        ("review", False, ["offenders", "mental", "falls"]),
        ("review", True, ["falls", "mental", "offenders"]),
        # Without an end date sorts last, whichever the direction.
        ("end", False, ["mental", "offenders", "falls"]),
        ("end", True, ["offenders", "mental", "falls"]),
        ("reference", False, ["falls", "offenders", "mental"]),
        ("reference", True, ["mental", "offenders", "falls"]),
    ],
)
def test_sorting(agreements, sort, descending, expected):
    shown = refs(RegisterFilters(sort=sort, descending=descending))
    assert shown == [agreements[k].reference for k in expected]


def test_parties_come_with_the_entries(agreements, django_assert_num_queries):
    with django_assert_num_queries(2):  # the agreements, then every party of them at once
        entries = list(register.register_entries(filters=RegisterFilters()))
        names = [[p.name for p in a.parties.all()] for a in entries]
    assert ["Ardwick Borough Council", "Bradford Park NHS Trust"] in names


def test_viewable_ids_are_the_users_parties_agreements(agreements, member_a, outsider):
    ids = [a.pk for a in agreements.values()]
    mine = permissions.visible_ids(user=member_a, agreement_ids=ids)
    assert mine == {agreements[k].pk for k in ("falls", "mental", "expired")}
    theirs = permissions.visible_ids(user=outsider, agreement_ids=ids)
    assert theirs == {agreements[k].pk for k in ("offenders", "mental", "draft")}


def test_steering_group_may_open_every_agreement(agreements, steering_member):
    ids = [a.pk for a in agreements.values()]
    assert permissions.visible_ids(user=steering_member, agreement_ids=ids) == set(ids)


# --- CSV ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("+44 161 000", "'+44 161 000"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Falls = good", "Falls = good"),
        ("", ""),
        (None, ""),
        ("2026-06-01", "2026-06-01"),
    ],
)
def test_neutralise(value, expected):
    assert spreadsheet.neutralise(value) == expected


def read_csv(lines) -> list[list[str]]:
    text = "".join(lines)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_csv_has_a_row_per_agreement_with_its_summary(agreements):
    rows = read_csv(register.csv_rows(register.register_entries(filters=RegisterFilters())))
    assert rows[0] == [
        "Reference",
        "Title",
        "Parties",
        "Status",
        "Signed outside the portal",
        "Data categories",
        "Start date",
        "End date",
        "Review date",
    ]
    assert len(rows) == 4
    offenders = next(r for r in rows if r[1] == "Integrated offender management")
    assert offenders[2] == "Bradford Park NHS Trust; Collyhurst Housing"
    assert offenders[3] == "Active"
    assert offenders[4] == "No"
    assert offenders[5] == "Personal data; Criminal offence"
    assert offenders[7:] == ["2028-06-01", "2026-07-01"]


def test_csv_neutralises_every_cell_that_would_start_a_formula(org_a):
    evil = OrganisationFactory(name='=HYPERLINK("http://evil.example")', slug="evil")
    for title in ("=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1,1)"):
        make_agreement(org_a, evil, title=title)
    rows = read_csv(register.csv_rows(register.register_entries(filters=RegisterFilters())))
    titles = sorted(r[1] for r in rows[1:])
    assert titles == ["'+1+1", "'-2+3", "'=cmd|' /C calc'!A0", "'@SUM(1,1)"]
    for row in rows[1:]:
        assert row[2].startswith("'=HYPERLINK"), row[2]
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell


# --- Demo -----------------------------------------------------------------------------------
def test_seed_demo_shows_agreements_in_every_state_and_runs_twice_safely():
    from django.core.management import call_command

    from agreements.models import Agreement, AgreementEvent

    call_command("seed_demo", stdout=io.StringIO())
    today = timezone.localdate()
    statuses = set(Agreement.objects.values_list("status", flat=True))
    assert {
        AgreementStatus.AWAITING_SIGNATURES,
        AgreementStatus.ACTIVE,
        AgreementStatus.EXPIRED,
        AgreementStatus.TERMINATED,
    } <= statuses
    due = Agreement.objects.filter(
        status=AgreementStatus.ACTIVE,
        review_date__gt=today,
        review_date__lte=today + datetime.timedelta(days=60),
    )
    assert due.exists(), "one agreement is due for review within 60 days"
    # Ending (every party agreed) and a termination still waiting for a party.
    assert Agreement.objects.filter(status=AgreementStatus.ACTIVE, terminates_on__gt=today)
    assert Agreement.objects.filter(
        consents__status="pending", title="Integrated offender management in Salford"
    )
    assert Agreement.objects.filter(is_external=True).count() == 5
    awaiting = Agreement.objects.get(status=AgreementStatus.AWAITING_SIGNATURES)
    assert awaiting.title == "Travel support for care leavers" and awaiting.draft_pdf
    # The README's walk through: a legal gateway finds it for its parties' people only.
    from organisations.models import User

    search = RegisterFilters(q="localism act", status=register.ANY_STATUS)
    for email, titles in (
        ("mark.hughes@salford.example", ["Travel support for care leavers"]),
        ("emma.taylor@tfgm.example", ["Travel support for care leavers"]),
        ("lee.morris@manchester.example", []),
    ):
        user = User.objects.get(email=email)
        shown = register.register_entries(filters=search, user=user)
        assert [a.title for a in shown] == titles, email
    # Outcomes recorded on the year of history: one agreement meeting, partly meeting and
    # missing its outcomes each (insight/demo.py JUDGED).
    from insight.figures import Scope, outcomes_met

    assert [n for _label, n in outcomes_met(Scope()).rows[:3]] == [1, 1, 1]
    counts = (Agreement.objects.count(), AgreementEvent.objects.count())
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert "0 new agreements" in out.getvalue()
    assert (Agreement.objects.count(), AgreementEvent.objects.count()) == counts


def test_one_list_of_summary_fields_for_the_register_the_public_register_and_the_api(
    agreements, django_assert_num_queries
):
    """register.SUMMARY_FIELDS is what every register entry carries: each query loads them
    (reading them asks nothing more of the database) and the API's entry shows them."""
    agreements["falls"].published_at = timezone.now()
    agreements["falls"].save(update_fields=["published_at"])
    for query in (register.register_entries(filters=RegisterFilters()), public_entries()):
        entries = list(query)
        assert entries
        with django_assert_num_queries(0):
            for entry in entries:
                [getattr(entry, name) for name in register.SUMMARY_FIELDS]
    fields = RegisterEntrySerializer.Meta.fields
    assert fields == [*register.SUMMARY_FIELDS, "parties", "url"]
