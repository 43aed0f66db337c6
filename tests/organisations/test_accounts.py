"""Signing in and out, throttling failed sign-ins, and resetting a password."""

import axes.utils
import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from notifications.models import Email
from tests.organisations.conftest import RESET_LINK, only_email_to

SIGN_IN = "accounts:sign-in"
WRONG = "not-the-password-at-all"


@pytest.fixture(autouse=True)
def _fresh_axes(db):
    """No lockout carried over from another test (axes keeps its attempts in the database)."""
    axes.utils.reset()
    yield
    axes.utils.reset()


def sign_in(browser, email, password, **extra):
    return browser.post(reverse(SIGN_IN), {"username": email, "password": password, **extra})


# --- Signing in -----------------------------------------------------------------------------
def test_sign_in_with_email_and_password_goes_home(client, member_a, password):
    response = sign_in(client, member_a.email, password)
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert get_user(client) == member_a


def test_sign_in_ignores_the_case_of_the_email_address(client, member_a, password):
    response = sign_in(client, "Member.A@ARDWICK.example", password)
    assert response.status_code == 302
    assert get_user(client) == member_a


def test_sign_in_returns_to_the_page_asked_for(client, member_a, org_a, password):
    page = reverse("organisations:detail", args=[org_a.slug])
    response = sign_in(client, member_a.email, password, next=page)
    assert response.status_code == 302
    assert response.url == page


def test_sign_in_never_redirects_to_another_site(client, member_a, password):
    response = sign_in(client, member_a.email, password, next="https://evil.example/")
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_wrong_password_shows_the_govuk_error_summary(client, member_a):
    response = sign_in(client, member_a.email, WRONG)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert "There is a problem" in html
    assert "Enter a correct e-mail address and password." in html
    assert f'value="{member_a.email}"' in html  # the address is kept
    assert WRONG not in html  # the password is not
    assert not get_user(client).is_authenticated


def test_switched_off_account_cannot_sign_in(client, member_a, password):
    member_a.is_active = False
    member_a.save()
    response = sign_in(client, member_a.email, password)
    assert response.status_code == 200
    assert not get_user(client).is_authenticated


def test_sign_in_page_sends_a_signed_in_user_home(client_for, member_a):
    response = client_for(member_a).get(reverse(SIGN_IN))
    assert response.status_code == 302
    assert response.url == reverse("home")


@pytest.mark.parametrize("name", [SIGN_IN, "accounts:password-reset"])
def test_signed_out_forms_leave_focus_where_the_page_starts(client, name):
    # Django's sign-in form has autofocus: keyboard and screen-reader users then skip the
    # skip link and the header. Only GOV.UK's error summary and success banner move focus.
    html = client.get(reverse(name)).content.decode()
    assert "<form" in html
    assert "autofocus" not in html


# --- Throttling -----------------------------------------------------------------------------
def test_sixth_attempt_after_five_bad_passwords_is_refused_even_with_the_right_password(
    client, member_a, password
):
    assert settings.AXES_FAILURE_LIMIT == 5
    for _attempt in range(4):
        response = sign_in(client, member_a.email, WRONG)
        assert response.status_code == 200
    # The fifth failure reaches the limit and is itself answered with the lockout.
    assert sign_in(client, member_a.email, WRONG).status_code == 429

    response = sign_in(client, member_a.email, password)
    assert response.status_code == 429
    html = response.content.decode()
    assert "You have tried to sign in too many times" in html
    assert reverse("accounts:password-reset") in html
    assert not get_user(client).is_authenticated
    assert AccessAttempt.objects.filter(username=member_a.email).exists()


def test_lockout_is_per_address_so_a_colleague_can_still_sign_in(
    client, new_client, member_a, admin_a, password
):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, member_a.email, WRONG)
    assert sign_in(client, member_a.email, password).status_code == 429

    colleague = new_client()  # same IP address, different e-mail address
    response = sign_in(colleague, admin_a.email, password)
    assert response.status_code == 302
    assert get_user(colleague) == admin_a


def test_fewer_failures_than_the_limit_do_not_lock_the_account(client, member_a, password):
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, member_a.email, WRONG)
    assert sign_in(client, member_a.email, password).status_code == 302


def test_lockout_ends_when_axes_is_reset(client, member_a, password):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, member_a.email, WRONG)
    assert sign_in(client, member_a.email, password).status_code == 429
    axes.utils.reset(username=member_a.email)
    assert sign_in(client, member_a.email, password).status_code == 302


# --- Signing out ----------------------------------------------------------------------------
def test_sign_out_is_post_only(client_for, member_a):
    browser = client_for(member_a)
    assert browser.get(reverse("accounts:sign-out")).status_code == 405
    assert get_user(browser) == member_a


def test_sign_out_ends_the_session(client_for, member_a, org_a):
    browser = client_for(member_a)
    response = browser.post(reverse("accounts:sign-out"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:signed-out")
    assert not get_user(browser).is_authenticated
    page = reverse("organisations:detail", args=[org_a.slug])
    assert browser.get(page).status_code == 302
    signed_out = browser.get(response.url)
    assert "You have signed out" in signed_out.content.decode()


def test_signed_out_page_explains_a_timeout(client):
    response = client.get(reverse("accounts:signed-out") + "?timeout")
    assert "You have been signed out" in response.content.decode()
    assert "had not done anything for a while" in response.content.decode()


# --- Password reset -------------------------------------------------------------------------
def test_password_reset_queues_and_sends_a_link_that_sets_a_new_password(
    client, member_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:password-reset"), {"email": "MEMBER.A@ardwick.example"}
        )
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-done")

    stored = Email.objects.get(to=member_a.email)
    assert stored.recipient == member_a
    assert stored.subject == "Reset your password"
    assert stored.sent_at is not None
    match = RESET_LINK.search(stored.body_text)
    assert match, stored.body_text
    link = match["path"]

    message = only_email_to(member_a.email)
    assert f"{settings.SITE_URL}{link}" in message.body
    assert link in message.alternatives[0][0]

    # The link leads to the new-password form (Django swaps the token into the session).
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    new_password = "a-brand-new-passphrase-2026"
    done = client.post(
        set_password_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert done.status_code == 302
    assert done.url == reverse("accounts:password-reset-complete")
    member_a.refresh_from_db()
    assert member_a.check_password(new_password)

    # The link works once.
    again = client.get(link, follow=True)
    assert not again.context["validlink"]
    assert "This link does not work any more" in again.content.decode()


def test_password_reset_refuses_a_weak_new_password(client, member_a, password):
    uid = urlsafe_base64_encode(force_bytes(member_a.pk))
    token = default_token_generator.make_token(member_a)
    page = client.get(reverse("accounts:password-reset-confirm", args=[uid, token]), follow=True)
    response = client.post(
        page.redirect_chain[-1][0], {"new_password1": "password", "new_password2": "password"}
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
    member_a.refresh_from_db()
    assert member_a.check_password(password)


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client, member_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("accounts:password-reset"), {"email": "nobody@nowhere.example"}
        )
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-done")
    assert callbacks == []
    assert not Email.objects.exists()
    assert mail.outbox == []


def test_password_reset_for_a_switched_off_account_sends_nothing(
    client, member_a, django_capture_on_commit_callbacks
):
    member_a.is_active = False
    member_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password-reset"), {"email": member_a.email})
    assert not Email.objects.exists()
    assert mail.outbox == []


def test_changing_the_case_of_the_address_does_not_escape_the_lockout(client, member_a, password):
    # Sign-in ignores case, so the throttle must too: otherwise every spelling of the
    # address (member.a@, Member.a@, MEMBER.A@...) would get its own five attempts.
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, member_a.email, WRONG)
    response = sign_in(client, "Member.A@Ardwick.example", password)
    assert response.status_code == 429
    assert not get_user(client).is_authenticated


def test_failures_in_mixed_case_count_towards_one_lockout(client, member_a, password):
    spellings = ["member.a@ardwick.example", "Member.a@ardwick.example", "MEMBER.A@ardwick.example"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, spellings[attempt % len(spellings)], WRONG)
    assert sign_in(client, member_a.email, password).status_code == 429


# --- Throttling behind reverse proxies --------------------------------------------------------
PROXY, OUTER_PROXY = "127.0.0.10", "127.0.0.11"


def through_proxies(browser, email, password, *, client_address, forged="", proxies=1):
    """A sign-in as the proxies would pass it on: each appends the address it received the
    request from to whatever X-Forwarded-For the client sent (which the client controls)."""
    chain = [part for part in [forged] if part] + [client_address]
    if proxies == 2:
        chain.append(OUTER_PROXY)
    return browser.post(
        reverse(SIGN_IN),
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=", ".join(chain),
    )


@pytest.mark.parametrize("proxies", [1, 2])
def test_behind_proxies_a_forged_header_does_not_escape_the_lockout(
    client, member_a, password, settings, proxies
):
    settings.PROXY_COUNT = proxies
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        through_proxies(
            client,
            member_a.email,
            WRONG,
            client_address="203.0.113.5",
            forged=f"198.51.100.{attempt}",
            proxies=proxies,
        )
    response = through_proxies(
        client,
        member_a.email,
        password,
        client_address="203.0.113.5",
        forged="192.0.2.99",
        proxies=proxies,
    )
    assert response.status_code == 429
    assert not get_user(client).is_authenticated
    attempt = AccessAttempt.objects.get(username=member_a.email)
    assert attempt.ip_address == "203.0.113.5"  # the client, not the proxy or a forged value


@pytest.mark.parametrize("proxies", [1, 2])
def test_behind_proxies_one_persons_lockout_is_not_everyones(
    client, new_client, member_a, password, settings, proxies
):
    settings.PROXY_COUNT = proxies
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        through_proxies(
            client, member_a.email, WRONG, client_address="203.0.113.5", proxies=proxies
        )
    # The same account from another address, through the same proxies, still signs in.
    colleague = new_client()
    response = through_proxies(
        colleague, member_a.email, password, client_address="203.0.113.77", proxies=proxies
    )
    assert response.status_code == 302
    assert get_user(colleague) == member_a


def test_without_proxies_the_header_is_ignored(client, member_a, password, settings):
    settings.PROXY_COUNT = 0
    url = reverse(SIGN_IN)
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            url,
            {"username": member_a.email, "password": WRONG},
            REMOTE_ADDR="203.0.113.5",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{attempt}",
        )
    response = client.post(
        url, {"username": member_a.email, "password": password}, REMOTE_ADDR="203.0.113.5"
    )
    assert response.status_code == 429
    assert AccessAttempt.objects.get(username=member_a.email).ip_address == "203.0.113.5"
