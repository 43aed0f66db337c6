"""Helpers for the organisations and accounts tests (the personas live in tests/conftest.py)."""

import re

import pytest
from django.core import mail
from django.test import Client

from organisations import services
from organisations.models import Role

# The accept link in an invitation e-mail: SITE_URL + /account/invitations/<token>/
ACCEPT_LINK = re.compile(r"https?://[^\s\"<>]+/account/invitations/(?P<token>[^/\s\"<>]+)/")
RESET_LINK = re.compile(r"https?://[^/\s\"<>]+(?P<path>/account/password-reset/[^\s\"<>]+/)")


def accept_link_in(message) -> str:
    """The accept link of an e-mail in mail.outbox, as a path the test client can open."""
    match = ACCEPT_LINK.search(message.body)
    assert match, f"no accept link in: {message.body}"
    return f"/account/invitations/{match['token']}/"


def only_email_to(address: str):
    sent = [m for m in mail.outbox if address in m.to]
    assert len(sent) == 1, f"expected one e-mail to {address}, got {len(sent)}"
    return sent[0]


@pytest.fixture
def new_client():
    """Another browser: new_client(user) is signed in as user, new_client() is anonymous."""

    def make(user=None) -> Client:
        browser = Client()
        if user is not None:
            browser.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return browser

    return make


@pytest.fixture
def invite(org_a, admin_a):
    """Invite someone through the service: invite(email, roles) -> (invitation, token)."""

    def make(email="new.person@ardwick.example", roles=(Role.MEMBER,), organisation=None, by=None):
        return services.invitation_create(
            organisation=organisation or org_a, email=email, roles=list(roles), by=by or admin_a
        )

    return make


@pytest.fixture
def new_user_answers():
    return {
        "full_name": "Nina Newcomer",
        "job_title": "Data Protection Support Officer",
        "password1": "a-long-and-unusual-passphrase",
        "password2": "a-long-and-unusual-passphrase",
    }
