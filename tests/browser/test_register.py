"""The agreement register and the lifecycle pages in Chromium, with the demo data, under axe
(WCAG 2.2 AA and best practices)."""

import re

import pytest
from playwright.sync_api import Page, expect

from agreements.models import AgreementStatus
from tests.agreements.register_builders import make_agreement
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, OrganisationFactory, member_of

pytestmark = [pytest.mark.browser]

PARTNER = "chris.evans@bolton.example"  # Bolton and Bury: party to no agreement
GOVERNANCE_OFFICER = "dan.wright@manchester.example"  # Manchester's data protection officer


def rows(page: Page):
    return page.locator("#register-table tbody tr")


def test_register_search_filter_and_sort(page: Page, live_server, demo_data):
    sign_in(page, live_server, PARTNER)
    page.goto(f"{live_server.url}/agreements/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Agreement register")
    # Active agreements by default (three recorded, nine from the demo's year of history);
    # their summaries, whoever is looking.
    expect(rows(page)).to_have_count(12)
    expect(page.locator("#register-table")).to_contain_text("Integrated offender management")
    expect(page.locator("#register-table")).to_contain_text("Signed outside the portal")
    assert_accessible(page)

    # Any status, searching for an ended agreement.
    page.get_by_label("Status").select_option("any")
    page.get_by_role("textbox", name="Search").fill("shielding")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("COVID-19 shielding support lists")
    expect(rows(page).first).to_contain_text("Expired")
    # The CSV link carries the same filters.
    csv_link = page.get_by_role("link", name=re.compile("spreadsheet"))
    expect(csv_link).to_have_attribute(
        "href", re.compile(r"q=shielding.*status=any|status=any.*q=shielding")
    )
    assert_accessible(page)

    # Sort by review date: the header says so to assistive technology.
    page.get_by_role("link", name="Clear filters").click()
    page.get_by_role("link", name="Review date").click()
    header = page.locator("th", has_text="Review date")
    expect(header).to_have_attribute("aria-sort", "ascending")
    expect(rows(page).first).to_contain_text("Integrated offender management")  # due soonest
    page.get_by_role("link", name="Review date").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    # Last of those with a review date: the ending agreement has none (it ends first).
    expect(rows(page).nth(rows(page).count() - 2)).to_contain_text("Integrated offender management")
    expect(rows(page).last).to_contain_text("Ending on")
    assert_accessible(page)

    # A partner who is not a party sees no link into someone else's agreement.
    expect(page.get_by_role("link", name=re.compile(r"^DSA-"))).to_have_count(0)


def test_record_and_review_pages(page: Page, live_server, demo_data):
    sign_in(page, live_server, GOVERNANCE_OFFICER)
    page.goto(f"{live_server.url}/agreements/")
    page.get_by_role("link", name="Record an agreement signed outside the portal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Record an agreement signed outside the portal"
    )
    assert_accessible(page)
    page.get_by_label("Title of the agreement").fill("Hoarding panel referrals")
    page.get_by_role("button", name="Record the agreement").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(
        "Select at least one other organisation that signed the agreement"
    )
    expect(page.get_by_label("Title of the agreement")).to_have_value("Hoarding panel referrals")
    assert_accessible(page)

    # Manchester is a party to "Discharge to assess": its officer can review it.
    page.goto(f"{live_server.url}/agreements/?q=discharge")
    page.get_by_role("link", name=re.compile(r"^DSA-")).first.click()
    page.goto(page.url.rstrip("/") + "/lifecycle/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Discharge to assess: hospital to home"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Start a review").click()
    assert_accessible(page)
    page.get_by_role("button", name="Start the review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record the outcome of the review")
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select the outcome of the review")
    assert_accessible(page)
    page.get_by_label("Continue, with a new review date").check()
    page.get_by_role("button", name="Continue", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The agreement continues")
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the next review date")
    assert_accessible(page)
    next_year = page.get_by_role("group", name="Next review date")
    next_year.get_by_label("Day").fill("1")
    next_year.get_by_label("Month").fill("4")
    next_year.get_by_label("Year").fill("2099")
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "the agreement continues"
    )
    expect(page.locator(".govuk-summary-list")).to_contain_text("1 April 2099")
    assert_accessible(page)


@pytest.fixture
def region(transactional_db):
    """Agreements like the demo's, between Greater Manchester partners, and a partner to sign
    in as (party to one of them)."""
    salford = OrganisationFactory(name="Salford City Council", short_name="Salford", slug="sfd")
    fire = OrganisationFactory(
        name="Greater Manchester Fire and Rescue Service", short_name="GMFRS", slug="gmfrs"
    )
    housing = OrganisationFactory(name="Salix Homes", short_name="Salix", slug="salix")
    make_agreement(salford, fire, title="Fire-risk referrals for vulnerable residents")
    make_agreement(fire, housing, title="Hoarding: referrals to the multi-agency panel")
    make_agreement(salford, housing, title="Tenancy sustainment referrals")
    make_agreement(salford, fire, title="Safe and well visits", status=AgreementStatus.EXPIRED)
    return member_of(housing, email="rosa.ruiz@salix.example")


def test_register_search_matches_each_word(page: Page, live_server, region):
    """Issue #12 item 5: two words that each match used to find nothing."""
    sign_in(page, live_server, region.email, password=TEST_PASSWORD)
    page.goto(f"{live_server.url}/agreements/")
    search = page.get_by_role("textbox", name="Search")

    search.fill("fire risk")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Fire-risk referrals for vulnerable residents")
    expect(page.locator("#register-table caption")).to_contain_text("1 agreement")
    expect(search).to_have_value("fire risk")
    assert_accessible(page)

    search.fill("hoarding referrals")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Hoarding: referrals to the multi-agency panel")
    # Rosa's organisation is a party: the reference opens the agreement.
    expect(rows(page).first.get_by_role("link", name=re.compile(r"^DSA-"))).to_be_visible()
    assert_accessible(page)

    # Words in any order, and in a party's name.
    search.fill("referrals GMFRS")
    page.get_by_role("button", name="Apply filters").click()
    expect(rows(page)).to_have_count(2)
    search.fill("hoarding fire-risk")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No agreements match these filters.")).to_be_visible()
    assert_accessible(page)
