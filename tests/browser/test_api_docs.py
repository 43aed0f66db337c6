"""The API's documentation (Swagger UI from the portal's own static files, started by a
script file) renders its operations under the strict Content-Security-Policy; the API tokens
and webhooks pages are accessible and show a new secret once."""

import pytest
from playwright.sync_api import expect

from organisations.models import Role
from tests.browser.conftest import assert_accessible, assert_no_csp_violations, sign_in
from tests.factories import OrganisationFactory, UserFactory, member_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_documentation_renders_under_the_policy(page, live_server):
    page.goto(f"{live_server.url}/api/v1/docs/")
    expect(page.locator(".opblock").first).to_be_visible()
    expect(page.get_by_text("/api/v1/proposals/", exact=True).first).to_be_visible()
    assert_no_csp_violations(page)


def test_the_tokens_page_makes_a_token_shown_once(page, live_server):
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


def test_an_admin_adds_a_webhook_endpoint_and_sees_its_secret_once(page, live_server, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the address below is on loopback
    organisation = OrganisationFactory(name="Ardwick Borough Council", slug="ardwick")
    admin = member_of(organisation, Role.ORG_ADMIN, email="admin@ardwick.example")
    admin.set_password("a long password 12")
    admin.save()
    sign_in(page, live_server, "admin@ardwick.example", "a long password 12")
    page.goto(f"{live_server.url}/account/api-tokens/organisations/ardwick/webhooks/")
    assert_accessible(page)
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Endpoint address").fill("https://127.0.0.1:9/a/rather/long/path/hooks")
    page.get_by_label("proposal.submitted").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("#new-secret")).to_contain_text("whsec_")
    assert_accessible(page)
