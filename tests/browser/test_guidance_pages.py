"""The public help pages in Chromium: how it works and the guidance on each stage, checked with
axe (WCAG 2.2 AA, no violations) and at 320 pixels wide (400 % zoom: nothing scrolls sideways)."""

import pytest
from playwright.sync_api import Page, expect

from sharing_requests.choices import Section
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser]


def assert_reflows(page: Page) -> None:
    """At a 320-pixel viewport the page fits its width (WCAG 1.4.10 reflow)."""
    page.set_viewport_size({"width": 320, "height": 640})
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at 320px"
    page.set_viewport_size({"width": 1280, "height": 800})


def test_how_it_works_is_accessible_and_reached_from_the_start_page(
    page, live_server, transactional_db
):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="How the portal works", exact=False).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How the portal works")
    diagram = page.get_by_role("img", name="The process from proposal to signed agreement")
    expect(diagram).to_be_visible()
    expect(page.get_by_role("heading", name="The steps in words")).to_be_visible()
    expect(page.locator("#decision-rule li").first).to_be_visible()
    assert_accessible(page)
    assert_reflows(page)


def test_every_guidance_page_is_accessible(page, live_server, transactional_db):
    page.goto(live_server.url + "/")
    page.get_by_role("contentinfo").get_by_role("link", name="Guidance").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Guidance on proposing data sharing")
    assert_accessible(page)
    assert_reflows(page)

    page.get_by_role("link", name="1. Purpose").click()
    for number, section in enumerate(Section, start=1):
        expect(page.get_by_role("heading", level=1)).to_have_text(f"{number}. {section.label}")
        # Open every details element, so axe checks what it hides too.
        for summary in page.locator("summary.govuk-details__summary").all():
            summary.click()
        assert_accessible(page)
        assert_reflows(page)
        if number < len(Section):
            page.get_by_role("link", name="Next stage").click()
