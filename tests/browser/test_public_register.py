"""The public transparency register (issue #16 item 5) in Chromium with the demo data, axe and
the 320-pixel reflow check on every page visited: an anonymous visitor reads and searches it;
a governance officer proposes publishing an agreement."""

import re

import pytest
from playwright.sync_api import Page, expect

from agreements.models import Agreement, ConsentKind
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser]

MANCHESTER_DPO = "dan.wright@manchester.example"


def test_an_anonymous_visitor_reads_and_searches_the_public_register(
    page: Page, live_server, demo_data
):
    page.goto(f"{live_server.url}/")
    page.get_by_role("contentinfo").get_by_role("link", name="Public register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Public register of data-sharing agreements"
    )
    entries = page.locator("#public-register > li")
    expect(entries).to_have_count(2)
    expect(page.locator("#public-register")).to_contain_text(
        "Concessionary travel for disabled residents"
    )
    expect(page.locator("#public-register")).not_to_contain_text("Missing from home")
    assert_accessible(page)

    page.get_by_label("Search by title, reference or organisation").fill("hoarding")
    page.get_by_role("button", name="Search").click()
    expect(entries).to_have_count(1)
    expect(page.locator("main h2")).to_contain_text("1 agreement matches")
    assert_accessible(page)

    page.get_by_role("link", name="Hoarding referrals between fire and housing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Hoarding referrals between fire and housing"
    )
    expect(page.locator(".govuk-summary-list")).to_contain_text("Categories of data")
    expect(page.locator(".govuk-summary-list")).to_contain_text("Legal bases")
    assert_accessible(page)


def test_a_governance_officer_proposes_publishing(page: Page, live_server, demo_data):
    agreement = Agreement.objects.get(title="Missing from home return interviews")
    sign_in(page, live_server, MANCHESTER_DPO)
    page.goto(f"{live_server.url}/agreements/{agreement.reference}/")
    expect(page.locator("#public-register")).to_have_text("Public register")
    page.get_by_role("link", name="Propose publishing on the public register").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish on the public register")
    assert_accessible(page)
    page.get_by_role("button", name="Propose it to the parties").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Say why the agreement should be published")
    assert_accessible(page)
    page.get_by_label("Why should the public see this agreement?").fill(
        "Families should know how return interviews are shared."
    )
    page.get_by_role("button", name="Propose it to the parties").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        re.compile("You proposed publishing it")
    )
    assert agreement.consents.filter(kind=ConsentKind.PUBLISH, status="pending").exists()
    # Not on the register until every party has agreed.
    page.goto(f"{live_server.url}/register/public/{agreement.reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("not found")

    # Manchester takes a published agreement off the register on its own.
    published = Agreement.objects.get(title="Concessionary travel for disabled residents")
    page.goto(f"{live_server.url}/agreements/{published.reference}/")
    page.get_by_role("link", name="Take it off the public register").click()
    assert_accessible(page)
    page.get_by_role("button", name="Take it off the register").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give the reason")
    assert_accessible(page)
    page.get_by_label("Why is your organisation withdrawing its agreement to publish?").fill(
        "Our board wants to review the wording first."
    )
    page.get_by_role("button", name="Take it off the register").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("off the public register")
    page.goto(f"{live_server.url}/register/public/{published.reference}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("not found")
