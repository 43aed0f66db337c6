"""Did the vision come true? Recording what the outcomes achieved at a review, in Chromium
with the demo data, under axe (WCAG 2.2 AA and best practices)."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser]

GOVERNANCE_OFFICER = "dan.wright@manchester.example"  # Manchester's data protection officer
NEXT_YEAR = str(datetime.date.today().year + 1)  # before the demo agreement's end date


def test_recording_outcomes_at_a_review(page: Page, live_server, demo_data):
    sign_in(page, live_server, GOVERNANCE_OFFICER)
    page.goto(f"{live_server.url}/agreements/?q=missing+from+home")
    page.get_by_role("link", name=re.compile(r"^DSA-")).first.click()
    page.goto(page.url.rstrip("/") + "/lifecycle/")
    # The demo's update of the outcome, against its baseline and target.
    history = page.locator("table", has_text="Fewer falls")
    expect(history).to_contain_text("expected 120 falls a year (2025) → 10% fewer")
    expect(history).to_contain_text("7% fewer falls")
    assert_accessible(page)

    page.get_by_role("link", name="Start a review").click()
    page.get_by_role("button", name="Start the review").click()
    expect(page.locator(".govuk-inset-text")).to_contain_text("Fewer falls")
    assert_accessible(page)
    page.get_by_label("Continue, with a new review date").check()
    page.get_by_role("button", name="Continue", exact=True).click()
    group = page.get_by_role("group", name="Next review date")
    for label, value in (("Day", "1"), ("Month", "4"), ("Year", NEXT_YEAR)):
        group.get_by_label(label).fill(value)
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Record what each outcome achieved before the review continues"
    )
    assert_accessible(page)

    page.get_by_role("link", name="Back").click()
    page.get_by_role("link", name="Record what the outcomes achieved").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record what the outcomes achieved")
    assert_accessible(page)
    page.get_by_label("What did “Fewer falls” achieve?").fill("12% fewer falls")
    page.get_by_role("button", name="Record the outcomes").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Select whether “Fewer falls” was met")
    expect(page.get_by_label("What did “Fewer falls” achieve?")).to_have_value("12% fewer falls")
    assert_accessible(page)
    page.get_by_role("group", name="Was “Fewer falls” met?").get_by_label("Met", exact=True).check()
    page.get_by_label("Evidence for “Fewer falls”").fill("Falls register, March")
    page.get_by_role("button", name="Record the outcomes").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Record the outcome of the review")
    expect(page.locator(".govuk-inset-text")).to_have_count(0)
    page.get_by_label("Continue, with a new review date").check()
    page.get_by_role("button", name="Continue", exact=True).click()
    group = page.get_by_role("group", name="Next review date")
    for label, value in (("Day", "1"), ("Month", "4"), ("Year", NEXT_YEAR)):
        group.get_by_label(label).fill(value)
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "the agreement continues"
    )
    history = page.locator("table", has_text="Fewer falls")
    expect(history.locator("tbody tr").first).to_contain_text("12% fewer falls")
    expect(history.locator("tbody tr").first).to_contain_text("Met")
    assert_accessible(page)
