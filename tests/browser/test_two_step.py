"""Two-step verification in the browser: set up an authenticator app, then sign in with it."""

import pyotp
import pytest
from playwright.sync_api import expect

from organisations.models import Role
from tests.browser.conftest import assert_accessible
from tests.factories import OrganisationFactory, member_of

pytestmark = [pytest.mark.browser]
PASSWORD = "a long signatory passphrase 7"


@pytest.fixture
def signatory(transactional_db, settings):
    settings.MFA_REQUIRED = True
    org = OrganisationFactory(name="Ardwick Borough Council", slug="ardwick")
    user = member_of(org, Role.SIGNATORY, email="siro@ardwick.example", full_name="Sam Siro")
    user.set_password(PASSWORD)
    user.save()
    return user


def password_step(page, live_server, email):
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_signatory_sets_up_an_authenticator_app_and_signs_in_with_it(page, live_server, signatory):
    password_step(page, live_server, signatory.email)
    expect(page.get_by_role("heading", name="Set up two-step verification")).to_be_visible()
    assert_accessible(page)
    totp = pyotp.TOTP(page.locator(".isf-setup-key").inner_text())
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Code").fill(totp.now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    password_step(page, live_server, signatory.email)
    expect(page.get_by_role("heading", name="Enter your security code")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Code").fill(totp.now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    expect(page.get_by_text("On: when you sign in")).to_be_visible()
    assert_accessible(page)
