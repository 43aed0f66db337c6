"""Signing in with an organisation's own account, through a real OpenID Connect provider.

The provider (scripts/oidc_provider.mjs) is not the portal: axe checks the portal's pages only.
"""

import pytest
from playwright.sync_api import expect

from organisations.models import Membership, Role
from tests.browser.conftest import assert_accessible
from tests.factories import OrganisationFactory, member_of
from tests.oidc import OidcProvider, identity_provider

pytestmark = [pytest.mark.browser]


@pytest.fixture
def provider(live_server):
    running = OidcProvider([live_server.url], ["north-org"])
    yield running
    running.stop()


@pytest.fixture
def north(transactional_db, provider):
    org = OrganisationFactory(name="North Borough Council", short_name="North", slug="north-org")
    identity_provider(org, provider)
    member_of(org, Role.MEMBER, Role.ORG_ADMIN, email="admin@north.example")
    return org


def test_a_newcomer_signs_in_with_their_organisation_account(page, live_server, north, provider):
    page.goto(f"{live_server.url}/account/sign-in/")
    assert_accessible(page)
    page.get_by_label("E-mail address").fill("new.starter@north.example")
    page.get_by_role("button", name="Sign in", exact=True).click()

    # The organisation's provider (its page is not the portal's: no axe here).
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    assert page.url.startswith(provider.issuer)
    page.get_by_label("Account").fill("new.starter@north.example")
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert page.url.startswith(live_server.url)
    assert_accessible(page)
    membership = Membership.objects.get(user__email="new.starter@north.example")
    assert membership.organisation == north and membership.roles == [Role.MEMBER]

    page.goto(f"{live_server.url}/organisations/north-org/")
    expect(page.get_by_role("heading", name="North Borough Council")).to_be_visible()
    assert_accessible(page)
