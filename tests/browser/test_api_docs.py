"""The API's documentation (Swagger UI from the portal's own static files, started by a
script file) renders its operations under the strict Content-Security-Policy; the API tokens
page is accessible and shows a new token once."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, assert_no_csp_violations
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_documentation_renders_under_the_policy(page, live_server):
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/api/v1/proposals/", exact=True).first).to_be_visible()
    assert_no_csp_violations(page)


def test_the_tokens_page_makes_a_token_shown_once(page, live_server):
    from tests.browser.conftest import sign_in

    UserFactory(email="tokens@example.org", password="a long password 12", full_name="Tia")
    sign_in(page, live_server, "tokens@example.org", "a long password 12")
    page.goto(f"{live_server.url}/account/api-tokens/")
    assert_accessible(page)
    page.get_by_label("Name").fill("Asset register")
    page.get_by_label("Read only").check()
    page.get_by_role("button", name="Create token").click()
    expect(page.locator("#new-token")).to_contain_text("isf_")
    assert_accessible(page)
    page.goto(f"{live_server.url}/account/api-tokens/")
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.get_by_role("heading", name="Asset register")).to_be_visible()
