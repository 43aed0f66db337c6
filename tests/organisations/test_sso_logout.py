"""Signing out of the portal ends the organisation provider's session too (RP-initiated
logout), against the real provider on loopback (scripts/oidc_provider.mjs)."""

import re
from html import unescape
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from organisations import sso_logout
from organisations.models import Role
from tests.factories import OrganisationFactory, member_of
from tests.oidc import NORTH, OidcProvider, identity_provider, sso_sign_in

SIGN_OUT = "/account/sign-out/"


@pytest.fixture(scope="module")
def provider():
    running = OidcProvider(["http://testserver"], ["north-org"])
    yield running
    running.stop()


@pytest.fixture
def north(db, provider):
    org = OrganisationFactory(name="North Borough Council", short_name="North", slug="north-org")
    identity_provider(org, provider)
    return org


def test_signing_out_ends_the_providers_session_and_comes_back(client, north, provider):
    member_of(north, Role.MEMBER, email="ada.north@north.example")
    sso_sign_in(client, provider, "ada.north@north.example")

    response = client.post(SIGN_OUT)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session  # the portal's session has ended first
    url = response.context["end_session_url"]
    page = response.content.decode()
    assert f'content="0;url={url.replace("&", "&amp;")}"' in page  # on its way at once
    assert "Continue to sign out of North Borough Council" in page
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{provider.issuer}/session/end"
    query = parse_qs(parts.query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/account/signed-out/"]
    assert query["client_id"] == [NORTH["client_id"]]
    assert query["id_token_hint"][0].count(".") == 2  # the ID token from the sign-in

    # The provider accepts the hint and, once the person confirms, sends them back.
    browser = requests.Session()
    confirm = browser.get(url, timeout=10)
    assert confirm.status_code == 200
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', confirm.text).group(1))
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', confirm.text).group(1)
    done = browser.post(
        action if "://" in action else provider.issuer + action,
        data={"xsrf": xsrf, "logout": "yes"},
        allow_redirects=False,
        timeout=10,
    )
    assert done.status_code in (302, 303)
    assert done.headers["Location"].startswith("http://testserver/account/signed-out/")


def test_a_password_user_signs_out_as_before(client_for, member_a, north):
    response = client_for(member_a).post(SIGN_OUT)
    assert response.status_code == 302 and response["Location"] == "/account/signed-out/"


def test_a_password_sign_in_after_an_sso_one_does_not_reach_the_provider(
    client, client_for, north, provider, member_a
):
    member_of(north, Role.MEMBER, email="ada.north@north.example")
    sso_sign_in(client, provider, "ada.north@north.example")
    kept = client.session[sso_logout.SESSION_KEY]
    client_for(member_a)  # the same browser, now someone else (password)
    session = client.session
    session[sso_logout.SESSION_KEY] = kept
    session.save()
    response = client.post(SIGN_OUT)
    assert response.status_code == 302 and response["Location"] == "/account/signed-out/"


def test_nothing_is_kept_for_a_provider_without_rp_initiated_logout(rf):
    request = rf.get("/")
    request.session = {sso_logout.SESSION_KEY: {"stale": True}}
    request.isf_oidc_tokens = {"id_token": "a.b.c", "end_session_endpoint": "", "client_id": "x"}
    sociallogin = SimpleNamespace(account=SimpleNamespace(provider="org-x", uid="u"))
    sso_logout.remember(request, sociallogin, "X")
    assert sso_logout.SESSION_KEY not in request.session
