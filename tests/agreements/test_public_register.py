"""The public transparency register (agreements/publication.py, views/public.py): only active
agreements every party agreed to publish, to anyone, without sign-in; everything else 404 and
never counted; search, CSV and Atom feed; and the "every party agrees" step that publishes."""

import csv
import datetime
import io
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements import consents, publication
from agreements.models import Agreement, AgreementEvent, AgreementStatus, ConsentKind, ConsentStatus
from isf_portal.domain import DomainError
from tests.agreements.register_builders import make_agreement

pytestmark = pytest.mark.django_db
D = datetime.date
ATOM = "{http://www.w3.org/2005/Atom}"


def published(agreement: Agreement) -> Agreement:
    agreement.published_at = timezone.now()
    agreement.save(update_fields=["published_at"])
    return agreement


@pytest.fixture
def shown(org_a, org_b):
    return published(
        make_agreement(org_a, org_b, title="Hospital discharge to home care", start=D(2025, 1, 1))
    )


@pytest.fixture
def hidden(org_a, org_c):
    return make_agreement(org_a, org_c, title="Troubled families secret list")


def detail(agreement) -> str:
    return reverse("public-register:detail", args=[agreement.reference])


def test_anonymous_sees_only_published_active_agreements(client, shown, hidden, org_a, org_b):
    ended = published(make_agreement(org_a, org_b, title="Old truancy pilot"))
    ended.status = AgreementStatus.EXPIRED
    ended.save(update_fields=["status"])
    response = client.get(reverse("public-register:list"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Hospital discharge to home care" in text and shown.reference in text
    assert "Bradford Park NHS Trust" in text
    assert "Troubled families" not in text and hidden.reference not in text
    assert "Old truancy pilot" not in text
    assert "1 published agreement" in text  # nothing else counted
    assert client.get(detail(shown)).status_code == 200


def test_unpublished_or_no_longer_active_reference_is_404(client, shown, hidden):
    assert client.get(detail(hidden)).status_code == 404
    assert client.get(reverse("public-register:detail", args=["DSA-NOPE"])).status_code == 404
    shown.status = AgreementStatus.TERMINATED
    shown.save(update_fields=["status"])
    assert client.get(detail(shown)).status_code == 404


def test_search_finds_the_summary_only(client, shown, hidden, org_a, org_b):
    published(make_agreement(org_a, org_b, title="Domestic abuse MARAC"))
    url = reverse("public-register:list")
    text = client.get(url, {"q": "discharge"}).content.decode()
    assert "Hospital discharge" in text and "MARAC" not in text
    assert "1 agreement matches your search" in text
    text = client.get(url, {"q": "troubled"}).content.decode()
    assert "No published agreement matches your search." in text
    assert "Troubled" not in text.replace('value="troubled"', "")


def test_pages_of_twenty(client, org_a, org_b):
    for n in range(21):
        published(make_agreement(org_a, org_b, title=f"Sharing number {n}"))
    first = client.get(reverse("public-register:list")).content.decode()
    second = client.get(reverse("public-register:list"), {"page": 2}).content.decode()
    assert first.count("Sharing number") == 20 and second.count("Sharing number") == 1
    assert "govuk-pagination" in first


def test_detail_shows_purpose_categories_bases_dates_outcomes_never_items(client, agreement):
    agreement.status = AgreementStatus.ACTIVE
    agreement.start_date, agreement.review_date = D(2026, 1, 5), D(2027, 1, 5)
    agreement.save(update_fields=["status", "start_date", "review_date"])
    published(agreement)
    snapshot = agreement.version.snapshot
    text = client.get(detail(agreement)).content.decode()
    assert snapshot["vision"]["text"].split(",")[0] in text
    assert "Personal data" in text
    assert snapshot["participants"][0]["lawful_bases"][0]["article6"] in text
    assert "Care Act 2014 s.6" in text
    assert "5 January 2026" in text and "5 January 2027" in text
    for outcome in snapshot["outcomes"]:
        assert outcome["description"] in text
    for item in snapshot["data_items"]:
        assert item["name"] not in text
    assert "contact@" not in text


def test_csv_lists_published_agreements_with_cells_neutralised(client, shown, hidden, org_a):
    published(make_agreement(org_a, title="=HYPERLINK(evil)"))
    response = client.get(reverse("public-register:csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Reference", "Title", "Parties"]
    titles = {row[1] for row in rows[1:]}
    assert titles == {"Hospital discharge to home care", "'=HYPERLINK(evil)"}


def test_atom_feed_is_valid_xml_with_the_published_entries(client, shown, hidden):
    response = client.get(reverse("public-register:feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)  # noqa: S314 (our own response)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        f"{shown.reference}: Hospital discharge to home care"
    ]
    assert entries[0].find(f"{ATOM}link").get("href").endswith(detail(shown))


# --- Publishing: every party agrees ---------------------------------------------------------
@pytest.fixture
def active(org_a, org_b, governance_a, governance_b):
    return make_agreement(org_a, org_b, start=D(2025, 6, 1), review=D(2099, 1, 1))


def propose_page(agreement) -> str:
    return reverse("agreements:publish", args=[agreement.reference])


def test_off_by_default_then_proposed_agreed_and_published(
    client_for, active, governance_a, governance_b, org_b, client
):
    assert active.published_at is None
    page = client_for(governance_a).get(reverse("agreements:detail", args=[active.reference]))
    assert b"Propose publishing on the public register" in page.content
    response = client_for(governance_a).post(propose_page(active), {"reason": "Transparency."})
    assert response.status_code == 302
    consent = active.consents.get(kind=ConsentKind.PUBLISH)
    assert consent.status == ConsentStatus.PENDING
    active.refresh_from_db()
    assert active.published_at is None
    client.logout()
    assert client.get(detail(active)).status_code == 404
    consent_page = reverse("agreements:consent", args=[active.reference, consent.pk])
    party_b = active.parties.get(organisation=org_b)
    response = client_for(governance_b).post(consent_page, {"party": party_b.pk, "answer": "agree"})
    assert response.status_code == 302
    active.refresh_from_db()
    assert active.published_at is not None
    assert AgreementEvent.objects.filter(agreement=active, kind="published").exists()
    assert active.history.first().history_change_reason == "isf.agreement.published"
    client.logout()
    assert client.get(detail(active)).status_code == 200


def test_a_decline_leaves_it_unpublished(client, active, governance_a, governance_b, org_b):
    consent = publication.agreement_publish_propose(
        agreement=active, by=governance_a, reason="Transparency."
    )

    consents.consent_answer(
        consent=consent,
        party=active.parties.get(organisation=org_b),
        by=governance_b,
        agreed=False,
        comment="Not yet.",
    )
    active.refresh_from_db()
    consent.refresh_from_db()
    assert consent.status == ConsentStatus.DECLINED and active.published_at is None
    assert client.get(detail(active)).status_code == 404


def test_a_reason_is_needed_and_the_error_shown(client_for, active, governance_a):
    response = client_for(governance_a).post(propose_page(active), {"reason": " "})
    assert response.status_code == 400
    assert b"govuk-error-summary" in response.content
    assert not active.consents.exists()


def test_outsiders_and_anonymous_cannot_propose(client, client_for, active, outsider, member_a):
    anonymous = client.post(propose_page(active), {"reason": "x"})
    assert anonymous.status_code == 302 and "sign-in" in anonymous["Location"]
    assert client_for(outsider).post(propose_page(active), {"reason": "x"}).status_code == 404
    assert client_for(member_a).post(propose_page(active), {"reason": "x"}).status_code == 403
    with pytest.raises(consents.NotAllowed):
        publication.agreement_publish_propose(agreement=active, by=member_a, reason="x")
    assert not active.consents.exists()


def test_only_an_active_agreement_can_be_proposed(org_a, org_b, governance_a):
    ended = make_agreement(org_a, org_b, status=AgreementStatus.EXPIRED)
    with pytest.raises(DomainError):
        publication.agreement_publish_propose(agreement=ended, by=governance_a, reason="x")


def test_the_pages_queries_do_not_grow_with_the_entries(client, org_a, org_b):
    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        return len(captured)

    urls = [reverse(n) for n in ("public-register:list", "public-register:feed")]
    published(make_agreement(org_a, org_b, title="First"))
    few = [queries(url) for url in urls]
    for n in range(6):
        published(make_agreement(org_a, org_b, title=f"More {n}"))
    assert [queries(url) for url in urls] == few
    assert few[0] <= 3  # the page with its count, the parties (and the session, if any)


def test_any_party_takes_it_off_the_register(
    client, client_for, active, governance_b, member_a, outsider
):
    published(active)
    withdraw = reverse("agreements:publish-withdraw", args=[active.reference])
    page = client_for(governance_b).get(reverse("agreements:detail", args=[active.reference]))
    assert b"Take it off the public register" in page.content
    assert client_for(governance_b).post(withdraw, {"reason": ""}).status_code == 400
    assert client_for(outsider).post(withdraw, {"reason": "x"}).status_code == 404
    assert client_for(member_a).post(withdraw, {"reason": "x"}).status_code == 403
    active.refresh_from_db()
    assert active.published_at is not None
    response = client_for(governance_b).post(withdraw, {"reason": "Our board said no."})
    assert response.status_code == 302
    active.refresh_from_db()
    assert active.published_at is None
    assert active.history.first().history_change_reason == "isf.agreement.unpublished"
    event = AgreementEvent.objects.get(agreement=active, kind="unpublished")
    assert "Our board said no." in event.description
    client.logout()
    assert client.get(detail(active)).status_code == 404


def test_proposing_and_withdrawing_each_ask_for_the_reason_in_their_own_words(
    client_for, active, governance_a
):
    browser = client_for(governance_a)
    proposing = browser.post(propose_page(active), {"reason": ""}).content.decode()
    assert "Say why the agreement should be published" in proposing
    assert "Why should the public see this agreement?" in proposing
    published(active)
    withdraw = reverse("agreements:publish-withdraw", args=[active.reference])
    withdrawing = browser.post(withdraw, {"reason": "x" * 2001}).content.decode()
    assert "The reason must be 2000 characters or fewer" in withdrawing
    assert "Why is your organisation withdrawing its agreement to publish?" in withdrawing
    response = browser.post(withdraw, {"reason": "Our board said no."}, follow=True)
    assert "The agreement is off the public register. The parties were told." in (
        response.content.decode()
    )
