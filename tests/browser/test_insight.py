"""The insight page in Chromium with the demo data's year of history: charts with their data
tables, filters, a governance officer's own view; axe, reflow and CSP on every visit."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser]

STEERING_CHAIR = "ruth.adeyemi@gmca.example"
MANCHESTER_GOVERNANCE = "dan.wright@manchester.example"


def test_the_steering_group_sees_where_sharing_gets_stuck(page: Page, live_server, demo_data):
    sign_in(page, live_server, STEERING_CHAIR)
    page.get_by_role("link", name="Insight").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("where sharing gets stuck")
    # Every figure is a chart screen readers announce by its title, with its data beside it.
    charts = page.get_by_role("img", name="Time from submission to decision")
    expect(charts).to_have_count(1)
    expect(
        page.get_by_role("img", name="Organisations that take longest to decide")
    ).to_be_visible()
    page.get_by_text("Show the data: Proposals at each stage now").click()
    stages = page.get_by_role("table", name="Proposals at each stage now")
    expect(stages).to_contain_text("In review")
    assert_accessible(page)

    # Filtering to NHS proposals narrows the figures; the CSV link carries the filter.
    filters = page.get_by_role("search", name="Filter the figures")
    filters.get_by_label("Sector").select_option("nhs")
    filters.get_by_label("Period").select_option("all")
    filters.get_by_role("button", name="Apply filters").click()
    expect(filters.get_by_label("Sector")).to_have_value("nhs")
    link = (
        page.locator("#figure-sections")
        .locator("..")
        .get_by_role("link", name=re.compile("spreadsheet"))
    )
    expect(link).to_have_attribute("href", re.compile(r"^/insight/sections\.csv\?.*sector=nhs"))
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), encoding="utf-8") as downloaded:
        text = downloaded.read()
    assert text.splitlines()[0] == "Section,Requests for changes"
    assert "Needs" in text  # MFT asked for changes to Needs on the oxygen therapy visits
    assert_accessible(page)


def test_a_governance_officer_sees_their_own_organisation(page: Page, live_server, demo_data):
    sign_in(page, live_server, MANCHESTER_GOVERNANCE)
    page.goto(f"{live_server.url}/insight/")
    expect(page.locator("main")).to_contain_text(
        "the proposals Manchester City Council takes part in"
    )
    options = page.get_by_role("search").get_by_label("Organisation").locator("option")
    expect(options).to_have_count(1)
    expect(options.first).to_have_text("Manchester City Council")
    assert_accessible(page)
