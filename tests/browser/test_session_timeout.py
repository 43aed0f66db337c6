"""The session-timeout warning: a modal dialog before an idle session ends, as in GOV.UK's pattern.

The timeout is shortened to seconds through the `settings` fixture: the live server runs in
this process and reads the settings on every request (data-timeout-seconds on the page, the
session cookie's age). The waits here are bounded by that timeout.
"""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser]

IDLE_SECONDS = 10  # the warning shows for the last half of it: 5 seconds


@pytest.fixture
def short_sessions(settings):
    settings.SESSION_IDLE_TIMEOUT = IDLE_SECONDS
    settings.SESSION_COOKIE_AGE = IDLE_SECONDS


@pytest.mark.browser
def test_timeout_warning_lets_the_user_stay_signed_in_then_signs_them_out(
    page, live_server, demo_data, short_sessions
):
    sign_in(page, live_server, "helen.clarke@manchester.example")
    # The session the sign-in left ends at most IDLE_SECONDS from now.
    signed_in_at = time.monotonic()
    dialog = page.locator("#session-timeout-dialog")
    expect(dialog).to_have_attribute("data-timeout-seconds", str(IDLE_SECONDS))
    expect(dialog).to_be_hidden()

    # The warning opens as a modal dialog with the time left, focus on "Stay signed in".
    expect(dialog).to_be_visible(timeout=IDLE_SECONDS * 1000)
    assert page.evaluate("document.getElementById('session-timeout-dialog').open")
    expect(dialog.get_by_role("heading")).to_have_text("You’re about to be signed out")
    expect(dialog.locator("[data-countdown]")).to_have_text(re.compile(r"^\d seconds?$"))
    stay = page.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    assert_accessible(page)

    with page.expect_response(re.compile(r"/account/session/keep-alive/$")) as keep_alive:
        stay.click()
    assert keep_alive.value.status == 204
    expect(dialog).to_be_hidden()

    # Past the moment the first session would have ended, the user is still signed in.
    page.wait_for_timeout(max(0.0, signed_in_at + IDLE_SECONDS + 1 - time.monotonic()) * 1000)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Helen")

    # With nothing done, the browser ends on the signed-out page.
    page.wait_for_url(re.compile(r"/account/signed-out/\?timeout$"), timeout=IDLE_SECONDS * 2000)
    expect(page.get_by_role("heading", level=1)).to_have_text("You have been signed out")
    expect(page.get_by_text("We signed you out because you had not done anything")).to_be_visible()
    assert_accessible(page)

    # And the server agrees: the next page is the signed-out start page.
    page.goto(live_server.url + "/organisations/manchester/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")


@pytest.mark.browser
def test_timeout_warning_can_sign_out_at_once(page, live_server, demo_data, short_sessions):
    sign_in(page, live_server, "helen.clarke@manchester.example")
    dialog = page.locator("#session-timeout-dialog")
    expect(dialog).to_be_visible(timeout=IDLE_SECONDS * 1000)
    dialog.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    page.goto(live_server.url + "/organisations/manchester/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
