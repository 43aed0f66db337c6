"""The pages with wide tables, at 400 % zoom (320 CSS pixels wide), with the demo data.

assert_accessible checks that each page reflows at 320 pixels (WCAG 2.2, 1.4.10) as well as
running axe; here the tables scroll inside their own labelled region, which the keyboard
reaches.
"""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser]

CHAIR = "ruth.adeyemi@gmca.example"  # steering-group chair: sees every proposal in review
IN_REVIEW = "Home fire safety visits for people receiving adult social care"


def expect_table_region(page: Page, name: str) -> None:
    region = page.get_by_role("region", name=name)
    expect(region).to_have_attribute("tabindex", "0")
    expect(region.locator("table")).to_have_count(1)
    assert region.evaluate("(element) => getComputedStyle(element).overflowX") == "auto"


def test_wide_tables_scroll_in_their_own_region_at_320_pixels(page: Page, live_server, demo_data):
    sign_in(page, live_server, CHAIR)
    page.set_viewport_size({"width": 320, "height": 640})

    page.goto(f"{live_server.url}/proposals/in-review/")
    expect_table_region(page, "Proposals in review")
    # The region scrolls, not the page: the keyboard can reach it and move it sideways.
    region = page.get_by_role("region", name="Proposals in review")
    region.focus()
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    # The proposal's review: the decisions so far.
    page.get_by_role("link", name=IN_REVIEW).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(IN_REVIEW)
    expect_table_region(page, "Decisions in round 1")
    assert_accessible(page)
    proposal_url = page.url.split("/review/")[0]

    # The proposal's answers, with its data items.
    page.goto(f"{proposal_url}/")
    expect_table_region(page, "Data items to be shared")
    assert_accessible(page)

    page.goto(f"{proposal_url}/vision/history/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Previous versions of the vision statement"
    )
    assert_accessible(page)

    page.goto(f"{live_server.url}/agreements/")
    expect_table_region(page, "Agreements in the register")
    assert_accessible(page)
