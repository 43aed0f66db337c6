"""A single sign-on signatory signs an agreement after their organisation's provider asks who
they are again, then signs out of the portal and of the provider, in Chromium.

The provider (scripts/oidc_provider.mjs) is not the portal: axe checks the portal's pages only.
"""

import re

import pytest
from playwright.sync_api import expect

from agreements.generation import services as generation
from agreements.models import Agreement, Signature, SignatureMethod
from organisations.models import Role
from tests.agreements.proposal_builders import approve, build_proposal
from tests.browser.conftest import assert_accessible
from tests.factories import OrganisationFactory, member_of
from tests.oidc import OidcProvider, identity_provider

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("one_sealing_key")]

ADA = "ada.north@north.example"


@pytest.fixture
def provider(live_server):
    running = OidcProvider([live_server.url], ["ardwick"])
    yield running
    running.stop()


@pytest.fixture
def agreement(transactional_db, provider) -> Agreement:
    lead = OrganisationFactory(name="Ardwick Borough Council", short_name="Ardwick", slug="ardwick")
    trust = OrganisationFactory(
        name="Bradford Park NHS Trust", short_name="BPNT", slug="bradford-park", sector="nhs"
    )
    identity_provider(lead, provider)
    author = member_of(lead, Role.MEMBER, email="author@ardwick.example")
    member_of(lead, Role.SIGNATORY, email=ADA, full_name="Ada North")
    member_of(trust, Role.SIGNATORY, email="siro@bpnt.example", full_name="Sam Sealer")
    version = approve(
        build_proposal(lead=lead, partners=[trust], author=author),
        author=author,
        approvers={
            lead.pk: member_of(lead, Role.APPROVER, email="appr@ardwick.example"),
            trust.pk: member_of(trust, Role.APPROVER, email="appr@bpnt.example"),
        },
    )
    generation.agreement_generate(version_id=version.pk)
    return Agreement.objects.get(version=version)


def at_provider(page, provider, account=ADA):
    """The provider's own sign-in page (not the portal's: no axe)."""
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    assert page.url.startswith(provider.issuer)
    page.get_by_label("Account").fill(account)
    page.get_by_role("button", name="Continue").click()


def test_an_sso_signatory_signs_after_signing_in_again_then_signs_out_everywhere(
    page, live_server, provider, agreement
):
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail address").fill(ADA)
    page.get_by_role("button", name="Sign in", exact=True).click()
    at_provider(page, provider)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    page.goto(f"{live_server.url}/agreements/{agreement.reference}/")
    page.get_by_role("link", name="Read and sign the agreement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign the agreement")
    expect(page.get_by_label("Your portal password")).to_have_count(0)
    assert_accessible(page)
    page.get_by_label("Your job title").fill("Chief Digital Officer")
    page.get_by_label(re.compile("I have read the agreement")).check()
    page.get_by_role("button", name="Sign in again with Ardwick Borough Council").click()

    # Still signed in at the provider, yet it asks again (prompt=login, max_age=0).
    at_provider(page, provider)
    expect(page.get_by_text("You have signed in again with your Ardwick")).to_be_visible()
    expect(page.get_by_label("Your job title")).to_have_value("Chief Digital Officer")
    assert_accessible(page)
    assert not Signature.objects.exists()
    page.get_by_role("button", name="Sign the agreement").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        f"You have signed {agreement.reference}"
    )
    assert_accessible(page)
    signature = Signature.objects.get()
    assert signature.method == SignatureMethod.SSO and signature.signer.email == ADA
    assert signature.history.first().history_change_reason == "isf.agreement.signed"
    expect(page.locator("#signatures ~ * table, #signatures + * table").first).to_contain_text(
        "Signed in again with their organisation's account"
    )

    # Signing out: the portal's session ends, then the provider's (RP-initiated logout).
    went = []
    end_session = re.compile(re.escape(provider.issuer) + r"/session/end\?")

    def hold(route):  # 204: the browser stays on the portal's page, for axe; the link goes on
        went.append(route.request.url)
        route.fulfill(status=204)

    page.route(end_session, hold)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out of the portal")).to_be_visible()
    page.wait_for_timeout(300)
    assert went, "the page did not go on to the provider's end_session_endpoint"
    assert_accessible(page)
    page.unroute(end_session)
    page.get_by_role("link", name="Continue to sign out of Ardwick Borough Council").click()
    page.get_by_role("button", name=re.compile("Yes, sign me out", re.I)).click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    assert page.url == f"{live_server.url}/account/signed-out/"
    assert_accessible(page)
    # The provider's session is over too: signing in asks who you are.
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("E-mail address").fill(ADA)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
