"""Every page the foundation adds, driven in Chromium as the demo users would, checked with axe.

Each page must pass axe's WCAG 2.2 AA rules and best practices with no violations.
"""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import Page, expect

from organisations.models import Invitation, Membership, Organisation, Role, User
from organisations.services import invitation_create
from tests.browser.conftest import (
    assert_accessible,
    assert_accessible_without_javascript,
    sign_in,
)

pytestmark = [pytest.mark.browser]

ORG_ADMIN = "helen.clarke@manchester.example"  # member and organisation admin at Manchester
STEERING_MEMBER = "tom.booth@manchester.example"  # member, approver, on the steering group


def heading(page: Page):
    return page.get_by_role("heading", level=1)


# --- Signed out ------------------------------------------------------------------------------
@pytest.mark.browser
def test_start_page_is_accessible(page, live_server, demo_data):
    page.goto(live_server.url + "/")
    expect(heading(page)).to_have_text(
        "Propose, approve and sign data sharing in Greater Manchester"
    )
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    assert_accessible(page)


@pytest.mark.browser
def test_sign_in_page_and_its_error_summary_are_accessible(page, live_server, demo_data):
    page.goto(live_server.url + "/account/sign-in/")
    expect(heading(page)).to_have_text("Sign in")
    assert_accessible(page)

    page.get_by_label("E-mail address").fill(ORG_ADMIN)
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in", exact=True).click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a correct e-mail address and password")
    # GOV.UK Frontend moves focus to the summary so screen readers announce it first.
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Sign in – Error – "))
    # The address typed is kept; the password is not.
    expect(page.get_by_label("E-mail address")).to_have_value(ORG_ADMIN)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    assert_accessible(page)


@pytest.mark.browser
def test_sign_in_page_leaves_focus_at_the_start_of_the_page(page, live_server, demo_data):
    # Focus moved to the e-mail field on load skipped the skip link and the header.
    page.goto(live_server.url + "/account/sign-in/")
    page.wait_for_load_state("load")
    expect(page.locator("body.govuk-frontend-supported")).to_have_count(1)
    assert page.evaluate("document.activeElement === document.body")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    assert_accessible(page)


@pytest.mark.browser
def test_password_reset_and_check_your_email_pages_are_accessible(page, live_server, demo_data):
    page.goto(live_server.url + "/account/sign-in/")
    page.get_by_role("link", name="I have forgotten my password").click()
    expect(heading(page)).to_have_text("Reset your password")
    assert_accessible(page)

    # An empty address shows the error summary, linked to the field.
    page.get_by_role("button", name="Send the link").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    error_link = summary.get_by_role("link")
    expect(error_link).to_have_attribute("href", "#id_email")
    assert_accessible(page)
    error_link.click()
    expect(page.get_by_label("E-mail address")).to_be_focused()

    page.get_by_label("E-mail address").fill(ORG_ADMIN)
    page.get_by_role("button", name="Send the link").click()
    expect(heading(page)).to_have_text("Check your e-mail")
    assert_accessible(page)


@pytest.mark.browser
def test_choosing_a_new_password_from_the_reset_link(page, live_server, demo_data):
    # The link the e-mail carries (the e-mail itself goes through the outbox and a worker).
    user = User.objects.get(email=ORG_ADMIN)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    page.goto(f"{live_server.url}/account/password-reset/{uid}/{token}/")
    expect(heading(page)).to_have_text("Choose a new password")
    assert_accessible(page)

    page.get_by_label("New password", exact=True).fill("a-new-long-passphrase")
    page.get_by_label("New password confirmation").fill("a-new-long-passphrase")
    page.get_by_role("button", name="Save the new password").click()
    expect(heading(page)).to_have_text("Your password has been changed")
    assert_accessible(page)

    page.get_by_role("main").get_by_role("link", name="Sign in").click()
    sign_in(page, live_server, ORG_ADMIN, "a-new-long-passphrase")
    expect(heading(page)).to_have_text("Welcome, Helen")

    # The link works once.
    page.goto(f"{live_server.url}/account/password-reset/{uid}/{token}/")
    expect(heading(page)).to_have_text("This link does not work any more")
    assert_accessible(page)


@pytest.mark.browser
def test_static_pages_are_accessible_signed_out(page, live_server, demo_data):
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Accessibility statement").click()
    expect(heading(page)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accessibility/$"))
    assert_accessible(page)

    page.get_by_role("link", name="Privacy notice").click()
    expect(page).to_have_url(re.compile(r"/privacy/$"))
    expect(heading(page)).to_be_visible()
    assert_accessible(page)


@pytest.mark.browser
def test_not_found_page_is_accessible(page, live_server, demo_data):
    response = page.goto(live_server.url + "/no-such-page/")
    assert response.status == 404
    expect(heading(page)).to_have_text("Page not found")
    assert_accessible(page)


@pytest.mark.browser
def test_locked_out_page_is_accessible(page, live_server, demo_data, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _attempt in range(2):
        page.goto(live_server.url + "/account/sign-in/")
        page.get_by_label("E-mail address").fill(ORG_ADMIN)
        page.get_by_label("Password", exact=True).fill("not-the-password")
        page.get_by_role("button", name="Sign in", exact=True).click()
    expect(heading(page)).to_have_text("You have tried to sign in too many times")
    assert_accessible(page)


# --- Signed in as an organisation admin ------------------------------------------------------
@pytest.mark.browser
def test_home_and_organisation_pages_are_accessible(page, live_server, demo_data):
    sign_in(page, live_server, ORG_ADMIN)
    expect(heading(page)).to_have_text("Welcome, Helen")
    expect(page.get_by_role("table", name="Your organisations and roles")).to_contain_text(
        "Manchester City Council"
    )
    assert_accessible(page)

    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Manchester").click()
    expect(heading(page)).to_have_text("Manchester City Council")
    expect(page.get_by_role("table", name="People at Manchester City Council")).to_contain_text(
        "Priya Shah"
    )
    assert_accessible(page)

    page.goto(live_server.url + "/organisations/")
    expect(heading(page)).to_have_text("Your organisations")
    assert_accessible(page)

    # The static pages read the same signed in.
    page.get_by_role("link", name="Accessibility statement").click()
    expect(page).to_have_url(re.compile(r"/accessibility/$"))
    assert_accessible(page)
    page.get_by_role("link", name="Privacy notice").click()
    expect(page).to_have_url(re.compile(r"/privacy/$"))
    assert_accessible(page)

    # A 404 signed in: an organisation the user cannot see does not exist for them.
    response = page.goto(live_server.url + "/organisations/no-such-organisation/")
    assert response.status == 404
    expect(heading(page)).to_have_text("Page not found")
    assert_accessible(page)


@pytest.mark.browser
def test_change_details_keeps_answers_and_shows_the_error_summary(page, live_server, demo_data):
    sign_in(page, live_server, ORG_ADMIN)
    page.goto(live_server.url + "/organisations/manchester/")
    page.get_by_role("link", name="Change the details").click()
    expect(heading(page)).to_have_text("Change the organisation's details")
    assert_accessible(page)

    page.get_by_label("Data protection officer's name").fill("Nia Jones")
    page.get_by_label("ICO registration number").fill("12345")
    page.get_by_role("button", name="Save").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    error_link = summary.get_by_role("link")
    expect(error_link).to_have_count(1)
    expect(error_link).to_have_attribute("href", "#id_ico_registration_number")
    # The other answers are kept, the bad one is shown back to be corrected.
    expect(page.get_by_label("Data protection officer's name")).to_have_value("Nia Jones")
    expect(page.get_by_label("ICO registration number")).to_have_value("12345")
    expect(page.locator("#id_ico_registration_number-error")).to_be_visible()
    assert_accessible(page)

    error_link.click()
    expect(page.get_by_label("ICO registration number")).to_be_focused()
    page.get_by_label("ICO registration number").fill("ZA123456")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("alert")).to_contain_text("Organisation details updated")
    assert_accessible(page)
    manchester = Organisation.objects.get(slug="manchester")
    assert (manchester.ico_registration_number, manchester.dpo_name) == ("ZA123456", "Nia Jones")


@pytest.mark.browser
def test_invite_a_colleague_shows_the_invitation_waiting(page, live_server, demo_data):
    sign_in(page, live_server, ORG_ADMIN)
    page.goto(live_server.url + "/organisations/manchester/")
    page.get_by_role("link", name="Invite a colleague").click()
    expect(heading(page)).to_have_text("Invite a colleague")
    assert_accessible(page)

    # Nothing filled in: both questions are in the error summary.
    page.get_by_role("button", name="Send the invitation").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(2)
    assert_accessible(page)

    page.get_by_label("E-mail address").fill("new.colleague@manchester.example")
    page.get_by_label("Approver").check()
    page.get_by_role("button", name="Send the invitation").click()

    expect(heading(page)).to_have_text("Manchester City Council")
    expect(page.get_by_role("alert")).to_contain_text(
        "Invitation sent to new.colleague@manchester.example"
    )
    waiting = page.get_by_role("table", name="Invitations that have not been accepted")
    expect(waiting).to_contain_text("new.colleague@manchester.example")
    expect(waiting).to_contain_text("Approver")
    assert_accessible(page)
    assert Invitation.objects.filter(email="new.colleague@manchester.example").exists()


@pytest.mark.browser
def test_change_roles_and_remove_member_pages_are_accessible(page, live_server, demo_data):
    sign_in(page, live_server, ORG_ADMIN)
    page.goto(live_server.url + "/organisations/manchester/")

    page.get_by_role("link", name="Change roles for Priya Shah").click()
    expect(heading(page)).to_have_text("Change the roles of Priya Shah")
    expect(page.get_by_label("Member", exact=True)).to_be_checked()
    assert_accessible(page)
    page.get_by_label("Signatory").check()
    page.get_by_role("button", name="Save the roles").click()
    expect(page.get_by_role("alert")).to_contain_text("Roles updated for Priya Shah")
    priya = Membership.objects.get(
        organisation__slug="manchester", user__email="priya.shah@manchester.example"
    )
    assert set(priya.roles) == {Role.MEMBER, Role.SIGNATORY}

    page.get_by_role("link", name="Remove Priya Shah").click()
    expect(heading(page)).to_have_text("Remove Priya Shah from the organisation?")
    assert_accessible(page)
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Priya Shah has been removed from Manchester City Council"
    )
    people = page.get_by_role("table", name="People at Manchester City Council")
    expect(people).not_to_contain_text("Priya Shah")
    assert not Membership.objects.filter(pk=priya.pk).exists()


@pytest.mark.browser
def test_steering_group_page_is_accessible(page, live_server, demo_data):
    sign_in(page, live_server, STEERING_MEMBER)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Steering group").click()
    expect(heading(page)).to_have_text("Information sharing steering group")
    members = page.get_by_role("table", name="Members of the steering group")
    expect(members).to_contain_text("Ruth Adeyemi")
    expect(members).to_contain_text("Tom Booth")
    assert_accessible(page)


@pytest.mark.browser
def test_signed_out_page_is_accessible(page, live_server, demo_data):
    sign_in(page, live_server, ORG_ADMIN)
    page.get_by_role("button", name="Sign out").click()
    expect(heading(page)).to_have_text("You have signed out")
    expect(page.get_by_role("link", name="Sign in", exact=True)).to_be_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/organisations/manchester/")
    expect(heading(page)).to_have_text("Sign in")


@pytest.mark.browser
def test_forbidden_page_is_accessible(page, live_server, demo_data):
    # A member who is not an organisation admin may see the organisation but not invite.
    sign_in(page, live_server, "priya.shah@manchester.example")
    response = page.goto(live_server.url + "/organisations/manchester/invite/")
    assert response.status == 403
    expect(heading(page)).to_be_visible()
    assert_accessible(page)


# --- Accepting an invitation -----------------------------------------------------------------
@pytest.mark.browser
def test_new_user_accepts_an_invitation_and_lands_on_the_organisation(
    new_page, live_server, demo_data
):
    manchester = Organisation.objects.get(slug="manchester")
    _invitation, token = invitation_create(
        organisation=manchester,
        email="sam.new@manchester.example",
        roles=[Role.MEMBER, Role.GOVERNANCE_OFFICER],
        by=User.objects.get(email=ORG_ADMIN),
    )
    page = new_page()  # a fresh context: nobody signed in
    page.goto(f"{live_server.url}/account/invitations/{token}/")
    expect(heading(page)).to_have_text("Join Manchester City Council")
    expect(page.locator(".govuk-summary-list")).to_contain_text("sam.new@manchester.example")
    assert_accessible(page)

    # Passwords that differ: the error summary, then the corrected answer.
    page.get_by_label("Full name").fill("Sam New")
    page.get_by_label("Job title").fill("Data Analyst")
    page.get_by_label("Create a password").fill("a-long-enough-passphrase")
    page.get_by_label("Confirm your password").fill("a-different-passphrase")
    page.get_by_role("button", name="Accept and join").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The passwords do not match")
    expect(page.get_by_label("Full name")).to_have_value("Sam New")
    assert_accessible(page)

    page.get_by_label("Create a password").fill("a-long-enough-passphrase")
    page.get_by_label("Confirm your password").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Accept and join").click()

    expect(heading(page)).to_have_text("Manchester City Council")
    expect(page.get_by_role("alert")).to_contain_text("You have joined Manchester City Council")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(page)
    user = User.objects.get(email="sam.new@manchester.example")
    assert set(Membership.objects.get(user=user, organisation=manchester).roles) == {
        Role.MEMBER,
        Role.GOVERNANCE_OFFICER,
    }

    # The link works once: opened again it explains, on an accessible page.
    response = page.goto(f"{live_server.url}/account/invitations/{token}/")
    assert response.status == 410
    expect(heading(page)).to_have_text("There is a problem with this invitation")
    expect(page.get_by_text("This invitation has already been used")).to_be_visible()
    assert_accessible(page)


# --- Without JavaScript ----------------------------------------------------------------------
@pytest.mark.browser
def test_sign_in_and_invite_work_without_javascript(new_page, live_server, demo_data):
    page = new_page(java_script_enabled=False)
    checker = new_page()
    page.goto(live_server.url + "/account/sign-in/")
    # The password's "Show" button needs JavaScript, so it stays hidden without it.
    expect(page.get_by_role("button", name="Show password")).to_be_hidden()
    assert_accessible_without_javascript(page, checker)
    sign_in(page, live_server, ORG_ADMIN)
    expect(heading(page)).to_have_text("Welcome, Helen")
    page.goto(live_server.url + "/organisations/manchester/invite/")
    expect(heading(page)).to_have_text("Invite a colleague")
    assert_accessible_without_javascript(page, checker)
    page.get_by_label("E-mail address").fill("no.script@manchester.example")
    page.get_by_label("Member", exact=True).check()
    page.get_by_role("button", name="Send the invitation").click()
    waiting = page.get_by_role("table", name="Invitations that have not been accepted")
    expect(waiting).to_contain_text("no.script@manchester.example")
