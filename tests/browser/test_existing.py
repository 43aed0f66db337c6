"""What already exists, in Chromium with the demo data, under axe (issue #16 item 4): the
start page lists Manchester's active agreements; one of them starts a new draft."""

import re

import pytest
from playwright.sync_api import Page, expect

from agreements.models import Agreement
from tests.browser.conftest import assert_accessible, assert_reflows, sign_in

pytestmark = [pytest.mark.browser]

AUTHOR = "priya.shah@manchester.example"  # member at Manchester City Council


def test_start_page_shows_what_exists_and_starts_from_an_agreement(
    page: Page, live_server, demo_data
):
    sign_in(page, live_server, AUTHOR)
    page.goto(f"{live_server.url}/proposals/new/")
    existing = page.locator("section[aria-labelledby=existing-heading]")
    expect(existing.get_by_role("heading", name="What already exists")).to_be_visible()
    agreements = existing.locator("[data-existing=agreements] li")
    expect(agreements.first).to_contain_text("Manchester City Council")
    assert_accessible(page)
    assert_reflows(page)

    # One made in the portal (an agreement recorded from paper has no answers to start from).
    listed = re.findall(
        r"DSA-\d{4}-\d{4}", existing.locator("[data-existing=agreements]").inner_text()
    )
    made_here = Agreement.objects.filter(reference__in=listed, proposal__isnull=False)
    reference = made_here.order_by("reference").values_list("reference", flat=True).first()
    existing.get_by_role("link", name=re.compile(reference)).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    button = page.get_by_role("button", name="Start from this one")
    expect(button).to_be_visible()
    assert_accessible(page)
    button.click()

    expect(page).to_have_url(re.compile(r"/proposals/ISF-\d{4}-\d{4}/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("started from")
    expect(page.locator("body")).to_contain_text(f"Started from {reference}")
    assert_accessible(page)
