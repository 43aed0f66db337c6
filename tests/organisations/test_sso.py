"""Single sign-on against a real OpenID Connect provider on loopback (scripts/oidc_provider.mjs).

The portal's sign-in page sends an SSO domain's address to its organisation's provider; the
test plays the person at the provider's page and brings the redirect back to the portal.
"""

import pytest
import time_machine
from django.utils import timezone

from notifications.models import Notification
from organisations.models import IdentityProvider, Membership, Role, SignInRefusal, User
from tests.factories import OrganisationFactory, member_of
from tests.oidc import NORTH, SOUTH, OidcProvider, identity_provider, path_of

SIGN_IN = "/account/sign-in/"


@pytest.fixture(scope="module")
def provider():
    running = OidcProvider(["http://testserver"], ["north-org", "south-org"])
    yield running
    running.stop()


@pytest.fixture
def north(db, provider):
    org = OrganisationFactory(name="North Borough Council", short_name="North", slug="north-org")
    identity_provider(org, provider)
    return org


@pytest.fixture
def south(db, provider):
    org = OrganisationFactory(name="South NHS Trust", short_name="South", slug="south-org")
    identity_provider(org, provider, SOUTH)
    return org


def start(client, email, next_url=""):
    response = client.post(SIGN_IN, {"username": email, "password": "", "next": next_url})
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def sso(client, provider, email, account=None):
    """Sign in as `account` (default: `email`) at the provider; the portal's response."""
    back = provider.sign_in(start(client, email), account or email)
    return client.get(path_of(back))


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def test_sso_domain_goes_to_its_provider_and_others_to_the_password_form(
    client, north, south, provider, member_a, password
):
    location = start(client, "Someone@North.example")
    assert location.startswith(f"{provider.issuer}/auth?")
    assert f"client_id={NORTH['client_id']}" in location
    assert f"client_id={SOUTH['client_id']}" in start(client, "x@south.example")
    # Any other domain: the password form, as before.
    response = client.post(SIGN_IN, {"username": member_a.email, "password": password})
    assert response.status_code == 302 and response["Location"] == "/"
    # The page's CSP lets the form lead to the providers.
    client.logout()
    page = client.get(SIGN_IN)
    assert provider.issuer in page["Content-Security-Policy"].split("form-action")[1].split(";")[0]


def test_new_person_joins_as_member_and_admins_are_told(client, north, provider):
    admin = member_of(north, Role.MEMBER, Role.ORG_ADMIN, email="admin@north.example")
    response = sso(client, provider, "new.starter@north.example")
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="new.starter@north.example")
    assert str(user.pk) == signed_in_as(client)
    assert user.full_name == "Nia Starter" and not user.has_usable_password()
    membership = Membership.objects.get(user=user)
    assert membership.organisation == north and membership.roles == [Role.MEMBER]
    assert membership.history.first().history_change_reason == "isf.membership.joined_by_sso"
    note = Notification.objects.get(user=admin)
    assert "Nia Starter joined North Borough Council" in note.title
    assert note.email.to == admin.email and "as a member" in note.email.body_text
    # Signing in again is the same person, not a second account.
    client.logout()
    sso(client, provider, "new.starter@north.example")
    assert signed_in_as(client) == str(user.pk)
    assert User.objects.filter(email__iexact="new.starter@north.example").count() == 1


def test_existing_account_is_linked_on_first_sso_sign_in(client, north, provider):
    ada = member_of(north, Role.SIGNATORY, email="Ada.North@north.example", full_name="Ada N")
    response = sso(client, provider, "ada.north@north.example")
    assert response.status_code == 302
    assert signed_in_as(client) == str(ada.pk)
    assert list(Membership.objects.get(user=ada).roles) == [Role.SIGNATORY]
    assert ada.socialaccount_set.get().provider == "org-north-org"
    assert Notification.objects.count() == 0


def test_next_page_is_kept_through_the_provider(client, north, provider):
    back = provider.sign_in(
        start(client, "bea@north.example", next_url="/proposals/"), "ada.north@north.example"
    )
    assert client.get(path_of(back))["Location"] == "/proposals/"


@pytest.mark.parametrize(
    ("account", "reason", "message"),
    [
        ("intruder@north.example", "wrong_tenant", "does not belong to North Borough Council"),
        ("unverified@north.example", "unverified_email", "did not confirm your e-mail address"),
        ("someone@elsewhere.example", "domain_not_vouched", "cannot be used for elsewhere.example"),
    ],
)
def test_refusals_are_explained_and_audited(client, north, provider, account, reason, message):
    response = sso(client, provider, "anyone@north.example", account)
    assert response.status_code == 403
    assert message in response.content.decode()
    assert signed_in_as(client) is None
    refusal = SignInRefusal.objects.get()
    assert (refusal.reason, refusal.email) == (reason, account)
    assert refusal.identity_provider.organisation == north
    assert not User.objects.filter(email=account).exists()


def test_replayed_state_is_refused(client, north, provider):
    back = provider.sign_in(start(client, "ada.north@north.example"), "ada.north@north.example")
    assert client.get(path_of(back)).status_code == 302
    client.logout()
    response = client.get(path_of(back))
    assert response.status_code == 403
    assert "did not complete" in response.content.decode()
    assert signed_in_as(client) is None
    assert SignInRefusal.objects.get().reason == "state_invalid"


def test_expired_id_token_is_refused(client, north, provider):
    back = provider.sign_in(start(client, "ada.north@north.example"), "ada.north@north.example")
    # The provider issues two-minute ID tokens; the portal reads this one five minutes on
    # (within the ten minutes its sign-in state lives).
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=5), tick=False):
        response = client.get(path_of(back))
    assert response.status_code == 403
    assert signed_in_as(client) is None
    assert SignInRefusal.objects.get().reason == "token_invalid"


def test_switched_off_provider_means_password_sign_in(client, north, provider):
    IdentityProvider.objects.update(is_active=False)
    response = client.post(SIGN_IN, {"username": "ada.north@north.example", "password": ""})
    assert response.status_code == 200  # the password form, asking for the password


def test_allauth_pages_are_not_shown(client, north):
    for path in ("/account/sso/oidc/org-north-org/login/", "/account/sso/sign-up/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == SIGN_IN


def test_sso_without_a_second_factor_gets_the_portals_own(client, north, provider, settings):
    settings.MFA_REQUIRED = True
    signatory = member_of(north, Role.SIGNATORY, email="new.starter@north.example")
    response = sso(client, provider, "new.starter@north.example")  # amr: pwd only
    assert response["Location"] == "/account/two-step/"
    assert signed_in_as(client) is None
    assert "Set up two-step verification" in client.get("/account/two-step/").content.decode()
    assert signatory.socialaccount_set.exists()


def test_sso_with_the_providers_second_factor_signs_in(client, north, provider, settings):
    settings.MFA_REQUIRED = True
    signatory = member_of(north, Role.SIGNATORY, email="ada.north@north.example")
    response = sso(client, provider, "ada.north@north.example")  # amr: pwd, mfa
    assert response["Location"] == "/"
    assert signed_in_as(client) == str(signatory.pk)


def test_make_runs_demo_identity_provider_signs_in_trafford_staff(client, db, settings):
    """organisations/demo.py's Trafford provider matches scripts/oidc_provider.mjs's demo."""
    from organisations import demo

    trafford = OrganisationFactory(name="Trafford Council", slug="trafford")
    demo._demo_identity_provider(trafford)
    demo_idp = OidcProvider(["http://testserver"], ["trafford"])
    try:
        IdentityProvider.objects.update(issuer=demo_idp.issuer)  # its own port here
        response = sso(client, demo_idp, "sso.demo@staff.trafford.example")
    finally:
        demo_idp.stop()
    assert response["Location"] == "/"
    membership = Membership.objects.get(user__email="sso.demo@staff.trafford.example")
    assert membership.organisation == trafford


def test_sso_invitee_accepts_by_signing_in_with_their_organisations_account(
    client, north, provider
):
    from organisations import services

    admin = member_of(north, Role.MEMBER, Role.ORG_ADMIN, email="admin@north.example")
    _invitation, token = services.invitation_create(
        organisation=north, email="new.starter@north.example", roles=[Role.APPROVER], by=admin
    )
    accept = f"/account/invitations/{token}/"
    response = client.get(accept)
    assert response["Location"] == f"{SIGN_IN}?next={accept}"
    back = provider.sign_in(
        start(client, "new.starter@north.example", next_url=accept), "new.starter@north.example"
    )
    assert client.get(path_of(back))["Location"] == accept
    client.post(accept)
    membership = Membership.objects.get(user__email="new.starter@north.example")
    assert set(membership.roles) == {Role.MEMBER, Role.APPROVER}


def test_no_password_reset_for_sso_only_accounts(client, north, provider):
    from notifications.models import Email

    sso(client, provider, "new.starter@north.example")
    client.logout()
    client.post("/account/password-reset/", {"email": "new.starter@north.example"})
    assert not Email.objects.filter(to="new.starter@north.example").exists()
