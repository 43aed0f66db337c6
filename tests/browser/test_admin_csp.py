"""Django's admin works under the portal's strict Content-Security-Policy with no relaxation:
its changelist actions, inline forms, the calendar, the autocomplete and the prepopulated
slug all run from static files. The new_page fixture fails the test on any violation."""

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from tests.browser.conftest import assert_no_csp_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "admin@example.org"
PASSWORD = "a long admin password 1"


@pytest.fixture
def admin_page(page, live_server):
    get_user_model().objects.create_superuser(email=EMAIL, password=PASSWORD, full_name="Admin")
    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    return page


def test_admin_changelist_and_change_form_run_under_the_policy(admin_page, live_server):
    page = admin_page
    page.goto(f"{live_server.url}/admin/organisations/user/")
    expect(page.get_by_role("link", name=EMAIL)).to_be_visible()
    page.locator("#action-toggle").check()  # actions.js selects every row
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")

    page.get_by_role("link", name=EMAIL).click()
    expect(page.get_by_role("heading", name="Change user")).to_be_visible()
    page.locator(".add-row a").click()  # inlines.js adds a membership form
    expect(page.locator("#memberships-0")).to_be_visible()
    assert_no_csp_violations(page)


def test_admin_add_forms_with_prepopulated_slug_and_calendar_run_under_the_policy(
    admin_page, live_server
):
    page = admin_page
    page.goto(f"{live_server.url}/admin/organisations/organisation/add/")
    page.locator("#id_name").press_sequentially("Bury Council")  # prepopulate.js listens to keyup
    expect(page.locator("#id_slug")).to_have_value("bury-council")

    page.goto(f"{live_server.url}/admin/organisations/steeringgroupmember/add/")
    page.locator("#calendarlink0").click()  # DateTimeShortcuts.js
    expect(page.locator("#calendarbox0")).to_be_visible()
    page.locator(".field-user .select2-selection").click()  # autocomplete.js and select2
    expect(page.locator(".select2-search__field")).to_be_visible()
    assert_no_csp_violations(page)
