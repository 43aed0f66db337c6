"""The register's page, its CSV and the API's register read one set of filters
(agreements/filters.py): for the same query string they show the same agreements, and a bad
value is the page's error summary, the CSV's 400 (with that page) and the API's 400 by field."""

import csv
import datetime
import io
import re

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse

from agreements.models import Agreement, AgreementStatus
from tests.agreements.register_builders import make_agreement

pytestmark = pytest.mark.django_db

PAGE = reverse("agreements:register")
CSV = reverse("agreements:register-csv")
API = reverse("api:register")
REFERENCE = re.compile(r"DSA-\d{4}-\d{4}")
TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def agreements(org_a, org_b, org_c):
    """Six agreements across three organisations, data categories and statuses; one has a
    data item and a gateway only its parties (Ardwick, Bradford Park) may search."""
    fire = make_agreement(org_a, org_b, title="Fire-risk referrals", review=TODAY)
    fire.search_detail = "Pseudonymised NHS number\nFire and Rescue Services Act 2004 s.6"
    fire.save()
    made = {
        "fire": fire,
        "tower": make_agreement(
            org_b, org_c, title="Risk of fire in tower blocks", special=True, review=TODAY
        ),
        "offenders": make_agreement(
            org_b, org_c, title="Integrated offender management", criminal=True
        ),
        "hoarding": make_agreement(
            org_a, org_c, title="Hoarding panel", status=AgreementStatus.EXPIRED, special=True
        ),
        "passes": make_agreement(
            org_a,
            org_c,
            title="Travel passes for care leavers",
            status=AgreementStatus.AWAITING_SIGNATURES,
            review=TODAY.replace(year=2027),
        ),
        "shielding": make_agreement(
            org_c, title="Shielding lists", status=AgreementStatus.TERMINATED
        ),
    }
    return {key: agreement.reference for key, agreement in made.items()}


def page_references(response) -> set[str]:
    assert response.status_code == 200
    body = response.content.decode()
    if "<tbody" not in body:
        return set()
    table = body[body.index("<tbody") : body.index("</tbody>")]
    return set(REFERENCE.findall(table))


def csv_references(response) -> set[str]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    return {row[0] for row in list(csv.reader(io.StringIO(text)))[1:]}


def api_references(response) -> set[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None  # one page holds the whole set
    return {row["reference"] for row in body["results"]}


def the_three(client, api_client, query: dict) -> tuple[set, set, set]:
    return (
        page_references(client.get(PAGE, query)),
        csv_references(client.get(CSV, query)),
        api_references(api_client.get(API, query)),
    )


# Query strings as a person or a partner system writes them, each with what it selects, for a
# party to "fire" (member_a, Ardwick) and for someone who is not (outsider, Collyhurst).
CASES = [
    ({}, {"fire", "tower", "offenders"}, None),  # active agreements by default
    ({"status": "any"}, {"fire", "tower", "offenders", "hoarding", "passes", "shielding"}, None),
    ({"status": "expired"}, {"hoarding"}, None),
    ({"q": "fire risk"}, {"fire", "tower"}, None),  # every word, anywhere, any order
    ({"q": "fire risk", "status": "any"}, {"fire", "tower"}, None),
    (
        {"q": "collyhurst", "status": "any"},
        {"tower", "offenders", "hoarding", "passes", "shielding"},
        None,
    ),  # noqa: E501
    # A data item is found only by those who may read the agreement.
    ({"q": "pseudonymised"}, {"fire"}, set()),
    ({"q": "rescue services act"}, {"fire"}, set()),
    ({"organisation": "ORG_A", "status": "any"}, {"fire", "hoarding", "passes"}, None),
    ({"organisation": "ORG_C"}, {"tower", "offenders"}, None),
    ({"category": "special", "status": "any"}, {"tower", "hoarding"}, None),
    ({"category": "criminal"}, {"offenders"}, None),
    ({"category": "personal", "status": "any"}, {"fire", "passes", "shielding"}, None),
    (
        {"q": "fire", "organisation": "ORG_C", "category": "special", "status": "active"},
        {"tower"},
        None,
    ),
    ({"review_before": "2026-12-31", "status": "any"}, {"fire", "tower"}, None),
    ({"q": "nothing like this", "status": "any"}, set(), None),
]


@pytest.mark.parametrize("persona", ["member_a", "outsider"])
@pytest.mark.parametrize(("query", "for_party", "for_others"), CASES)
def test_page_csv_and_api_show_the_same_agreements(
    client_for, api, request, agreements, org_a, org_c, persona, query, for_party, for_others
):
    user = request.getfixturevalue(persona)
    ids = {"ORG_A": str(org_a.pk), "ORG_C": str(org_c.pk)}
    query = {name: ids.get(value, value) for name, value in query.items()}
    expected = for_party if persona == "member_a" or for_others is None else for_others
    page, spreadsheet, through_api = the_three(client_for(user), api(user, scope="read"), query)
    assert page == {agreements[key] for key in expected}
    assert spreadsheet == page
    assert through_api == page


def test_the_api_also_takes_an_organisations_slug(api, outsider, agreements, org_c):
    client = api(outsider, scope="read")
    by_id = api_references(client.get(API, {"organisation": org_c.pk, "status": "any"}))
    by_slug = api_references(client.get(API, {"organisation": "collyhurst", "status": "any"}))
    assert by_slug == by_id and len(by_id) == 5


def test_the_page_takes_the_apis_iso_date_and_the_api_the_pages_three_boxes(
    client_for, api, member_a, agreements
):
    boxes = {"review_before_0": "31", "review_before_1": "12", "review_before_2": "2026"}
    iso = {"review_before": "2026-12-31"}
    expected = {agreements["fire"], agreements["tower"]}
    assert page_references(client_for(member_a).get(PAGE, iso)) == expected
    assert api_references(api(member_a).get(API, boxes)) == expected


def test_sorting_orders_the_page_and_the_csv_alike(client_for, member_a, agreements):
    client = client_for(member_a)
    query = {"sort": "-title", "status": "any"}
    body = client.get(PAGE, query).content.decode()
    table = body[body.index("<tbody") : body.index("</tbody>")]
    in_page = list(dict.fromkeys(REFERENCE.findall(table)))
    text = b"".join(client.get(CSV, query).streaming_content).decode("utf-8").lstrip("\ufeff")
    in_csv = [row[0] for row in list(csv.reader(io.StringIO(text)))[1:]]
    titles = Agreement.objects.order_by("-title").values_list("reference", flat=True)
    assert in_page == in_csv == list(titles)


# --- A bad value -----------------------------------------------------------------------------
BAD = [
    ({"status": "nonsense"}, "status", "Select a valid choice"),
    ({"organisation": "999999"}, "organisation", "Select an organisation from the list"),
    ({"organisation": "no-such-council"}, "organisation", "Select an organisation from the list"),
    ({"category": "secret"}, "category", "Select a valid choice"),
    ({"review_before": "2027-02-31"}, "review_before", "Review date before must be a real date"),
    ({"q": "x" * 201}, "q", "Search must be 200 characters or fewer"),
]


@pytest.mark.parametrize(("query", "field", "message"), BAD)
def test_a_bad_value_is_the_pages_error_the_csvs_400_and_the_apis_400(
    client_for, api, member_a, agreements, query, field, message
):
    client = client_for(member_a)
    query = {**query, "sort": "title"}
    page = client.get(PAGE, {**query, "category": query.get("category", "criminal")})
    body = page.content.decode()
    assert page.status_code == 200
    assert "There is a problem" in body and message in body
    # The page leaves the bad filter out, applies the others, and its spreadsheet link says
    # what it shows.
    if field != "category":
        assert page_references(page) == {agreements["offenders"]}
        link = re.search(r'href="/agreements/register\.csv\?([^"]*)"', body).group(1)
        assert "category=criminal" in link and f"{field}=" not in link

    spreadsheet = client.get(CSV, query)
    assert spreadsheet.status_code == 400
    assert spreadsheet["Content-Type"].startswith("text/html")
    assert message in spreadsheet.content.decode()

    response = api(member_a, scope="read").get(API, query)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert message in errors[field][0]


def test_a_bad_value_beside_good_ones_in_the_api_is_still_400(api, member_a, agreements):
    response = api(member_a).get(API, {"q": "fire", "status": "nonsense"})
    assert response.status_code == 400 and "status" in response.json()["errors"]


def test_anonymous_callers_get_no_register(client, api, agreements):
    for url in (PAGE, CSV):
        response = client.get(url, {"status": "any"})
        assert response.status_code == 302
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL))
    assert api().get(API, {"status": "any"}).status_code == 401


def test_the_apis_filtered_register_takes_as_many_queries_at_two_sizes(
    api, member_a, org_a, org_b, django_assert_max_num_queries
):
    client = api(member_a, scope="read")
    query = {"q": "fire risk", "organisation": "ardwick", "category": "personal"}
    for size in (3, 30):
        while Agreement.objects.count() < size:
            make_agreement(org_a, org_b, title=f"Fire-risk referrals {Agreement.objects.count()}")
        client.get(API)  # the token's last use is written once a while
        # The token, the page of rows, their parties, which the caller may open, the slug.
        with django_assert_max_num_queries(5):
            rows = client.get(API, {**query, "page_size": 100}).json()["results"]
        assert len(rows) == size
