"""Ending an agreement needs every party (issue #12 item 2), who downloads what and who sees
the downloads (item 14), and the links between a proposal and its agreement (item 9), in
Chromium with the demo data, axe and the 320-pixel reflow check on every page visited."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser]

PROBATION_SIGNATORY = "james.ward@probation.example"
MANCHESTER_DPO = "dan.wright@manchester.example"
SALFORD_SIRO = "mark.hughes@salford.example"


def open_agreement(page: Page, live_server, search: str) -> None:
    page.goto(f"{live_server.url}/agreements/?status=any&q={search}")
    page.get_by_role("link", name=re.compile(r"^DSA-")).first.click()


def test_the_last_party_agrees_to_end_an_agreement(page: Page, live_server, demo_data):
    sign_in(page, live_server, PROBATION_SIGNATORY)
    open_agreement(page, live_server, "offender")
    # Salford proposed ending it and GMP agreed: every party sees it waiting for Probation.
    pending = page.locator(".govuk-inset-text", has_text="Waiting for every party to agree")
    expect(pending).to_contain_text("Still to answer: The Probation Service")
    expect(page.locator("main .govuk-tag").first).to_have_text("Active")
    assert_accessible(page)
    page.get_by_role("link", name="Answer for your organisation").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("End the agreement on")
    assert_accessible(page)
    page.get_by_role("button", name="Send the answer").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Select whether your organisation agrees")
    assert_accessible(page)
    page.get_by_label("No, we decline").check()
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Give the reason for declining")
    expect(page.get_by_label("No, we decline")).to_be_checked()
    page.get_by_label("Yes, we agree").check()
    page.get_by_role("button", name="Send the answer").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Every party has now agreed"
    )
    # In force until the later of the date asked for and the notice period: "Ending on".
    expect(page.locator("main .govuk-tag").first).to_contain_text("Ending on")
    expect(page.get_by_text("It is not reviewed again")).to_be_visible()
    expect(page.get_by_text("Only an active agreement is reviewed")).to_have_count(0)
    assert_accessible(page)


def test_downloads_show_to_the_governance_officer_and_proposal_and_agreement_link(
    page: Page, live_server, demo_data
):
    sign_in(page, live_server, MANCHESTER_DPO)
    open_agreement(page, live_server, "discharge")
    with page.expect_download():
        page.get_by_role("link", name=re.compile("Download the signed agreement")).click()
    page.reload()
    expect(page.locator(".isf-timeline")).to_contain_text("Downloaded the signed PDF")
    assert_accessible(page)

    # The approved demo proposal links to its agreement, and the agreement back to it.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, SALFORD_SIRO)
    page.goto(f"{live_server.url}/proposals/")
    page.get_by_role("link", name="Travel support for care leavers").first.click()
    agreements = page.locator("#agreements + ul")
    expect(agreements).to_contain_text("awaiting signatures")
    assert_accessible(page)
    agreements.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Travel support for care leavers")
    # A signatory downloads the draft; the page links back to the proposal.
    expect(
        page.get_by_role("link", name=re.compile("Download the draft for signature"))
    ).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Proposal .*, version 1")).click()
    expect(page.locator("#agreements")).to_be_visible()
