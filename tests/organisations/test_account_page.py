"""The account page: organisations and roles, sign-in method, two-step set-up, sessions."""

import re

import pyotp
from allauth.mfa.models import Authenticator
from django.test import Client

from organisations.models import User

SIGN_IN = "/account/sign-in/"


def browser(user, password, agent="Firefox on the laptop") -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    assert client.post(SIGN_IN, {"username": user.email, "password": password})["Location"] == "/"
    return client


def test_account_page_shows_roles_sign_in_method_and_sessions(admin_a, password):
    laptop = browser(admin_a, password)
    browser(admin_a, password, agent="Edge on the office PC")
    page = laptop.get("/account/").content.decode()
    assert "Ardwick Borough Council" in page and "Organisation admin" in page
    assert "With your e-mail address and password" in page
    assert "This time you signed in with your password" in page
    assert "Edge on the office PC" in page and "Firefox on the laptop" in page
    assert "Sign out everywhere else" in page
    assert "Set up two-step verification" in page


def test_sign_out_everywhere_else_ends_the_other_sessions_only(admin_a, password):
    laptop = browser(admin_a, password)
    office = browser(admin_a, password, agent="Edge on the office PC")
    response = laptop.post("/account/sessions/sign-out-others/")
    assert response["Location"] == "/account/"
    assert laptop.get("/account/").status_code == 200
    assert office.get("/account/").status_code == 302  # signed out
    assert "Edge on the office PC" not in laptop.get("/account/").content.decode()
    history = User.history.filter(id=admin_a.pk).first()
    assert history.history_change_reason == "isf.user.signed_out_elsewhere"


def test_anyone_may_set_up_two_steps_from_the_account_page(member_a, password):
    client = browser(member_a, password)
    page = client.get("/account/two-step/").content.decode()
    secret = re.search(r'class="isf-setup-key">([A-Z2-7]+)<', page)[1]
    response = client.post("/account/two-step/", {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == "/account/two-step/recovery-codes/"
    assert Authenticator.objects.filter(user=member_a, type="totp").exists()
    assert "On: when you sign in" in client.get("/account/").content.decode()
    # From then on their password sign-in asks for it too.
    client.logout()
    response = client.post(SIGN_IN, {"username": member_a.email, "password": password})
    assert response["Location"] == "/account/two-step/"


def test_outsiders_are_sent_to_sign_in(client, db):
    assert client.get("/account/")["Location"].startswith(SIGN_IN)
    assert client.post("/account/sessions/sign-out-others/")["Location"].startswith(SIGN_IN)
