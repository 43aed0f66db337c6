"""Signing as a single sign-on user: the portal sends them to their organisation's provider
(scripts/oidc_provider.mjs, a real OpenID Connect provider on loopback) to sign in again, and
accepts the signature only with a recent sign-in of the same account, for that signature."""

import io
import time
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from agreements import signing
from agreements.models import AgreementEvent, Signature, SignatureMethod
from organisations import sso_fresh
from organisations.models import Role, SignInRefusal
from tests.factories import OrganisationFactory, member_of
from tests.oidc import OidcProvider, identity_provider, path_of, sso_sign_in

pytestmark = pytest.mark.django_db

ADA_UID = "ada.north@north.example"  # the provider's `sub` for Ada


@pytest.fixture(scope="module")
def provider():
    running = OidcProvider(["http://testserver"], ["ardwick", "north-org"])
    yield running
    running.stop()


@pytest.fixture
def idp_a(org_a, provider):
    """Org A signs in with its own provider (its domain: north.example)."""
    return identity_provider(org_a, provider)


@pytest.fixture
def ada(org_a, idp_a):
    return member_of(org_a, Role.SIGNATORY, email="ada.north@north.example", full_name="Ada N")


def url(agreement):
    return f"/agreements/{agreement.reference}/sign/"


def form(agreement):
    return {
        "signature": f"{agreement.parties.get(is_lead=True).pk}:siro",
        "job_title": "Chief Digital Officer",
        "confirm": "on",
        "pdf_sha256": agreement.draft_sha256,
    }


def sign_in_again(client, provider, agreement, account="ada.north@north.example"):
    """Ask to sign: the provider, which must ask who you are again; back to the sign page."""
    response = client.post(url(agreement), form(agreement))
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(f"{provider.issuer}/auth?")
    query = parse_qs(urlsplit(location).query)
    assert query["prompt"] == ["login"] and query["max_age"] == ["0"]
    back = client.get(path_of(provider.sign_in(location, account)))
    assert back.status_code == 302 and back["Location"] == url(agreement)
    return client


def test_an_sso_signatory_signs_after_signing_in_again(client, provider, agreement, ada):
    sso_sign_in(client, provider, "ada.north@north.example")
    page = client.get(url(agreement)).content.decode()
    assert 'name="password"' not in page
    assert "Sign in again with Ardwick Borough Council" in page
    # The page's CSP lets the form lead to the provider.
    csp = client.get(url(agreement))["Content-Security-Policy"]
    assert provider.issuer in csp.split("form-action")[1].split(";")[0]

    sign_in_again(client, provider, agreement)
    assert not Signature.objects.exists()  # signing in again is not signing
    page = client.get(url(agreement)).content.decode()
    assert "You have signed in again with your Ardwick Borough Council account" in page
    assert 'value="Chief Digital Officer"' in page  # the answers given before are kept

    response = client.post(url(agreement), form(agreement))
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.signer == ada and signature.job_title == "Chief Digital Officer"
    assert signature.method == SignatureMethod.SSO
    assert signature.identity_provider_name == "Ardwick Borough Council"
    row = signature.history.first()
    assert row.history_change_reason == "isf.agreement.signed" and row.method == "sso"
    event = AgreementEvent.objects.get(kind="signed")
    assert "signing in again with Ardwick Borough Council's account" in event.description
    assert sso_fresh.SESSION_KEY not in client.session  # used up
    # The agreement page says how the signature was confirmed.
    detail = client.get(f"/agreements/{agreement.reference}/").content.decode()
    assert "Signed in again with their organisation&#x27;s account" in detail


def test_no_fresh_sign_in_means_the_provider_first_and_no_signature(
    client, provider, agreement, ada
):
    sso_sign_in(client, provider, "ada.north@north.example")
    response = client.post(url(agreement), form(agreement))
    assert response.status_code == 302 and response["Location"].startswith(provider.issuer)
    assert not Signature.objects.exists()
    # The service refuses too, whatever the caller: no fresh sign-in, no signature, and the
    # portal password (an SSO user may still have one) is no substitute.
    ada.set_password("an-old-portal-password")
    ada.save()
    owed = signing.owed_by(user=ada, agreement=agreement)[0]
    for password in ("", "an-old-portal-password"):
        with pytest.raises(sso_fresh.StaleSignIn, match="Sign in again with your Ardwick"):
            signing.signature_record(
                agreement=agreement,
                by=ada,
                party=owed.party,
                capacity=owed.capacity,
                password=password,
                pdf_sha256=agreement.draft_sha256,
                job_title="CDO",
            )
    assert not Signature.objects.exists()


def test_a_stale_sign_in_is_refused_and_used_up(client, provider, agreement, ada):
    sso_sign_in(client, provider, "ada.north@north.example")
    sign_in_again(client, provider, agreement)
    with time_machine.travel(timezone.now() + timezone.timedelta(minutes=6), tick=False):
        response = client.post(url(agreement), form(agreement))
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "more than 5 minutes ago" in page
    assert not Signature.objects.exists()
    assert sso_fresh.SESSION_KEY not in client.session
    # The next try goes to the provider again.
    assert client.post(url(agreement), form(agreement))["Location"].startswith(provider.issuer)


def test_a_sign_in_for_another_signature_is_not_this_one(client, provider, agreement, ada):
    sso_sign_in(client, provider, "ada.north@north.example")
    sign_in_again(client, provider, agreement)
    owed = signing.owed_by(user=ada, agreement=agreement)[0]
    mark = client.session[sso_fresh.SESSION_KEY]
    assert mark["purpose"] == signing.fresh_sign_in_purpose(agreement, owed.key)
    assert isinstance(mark["auth_time"], int)
    other = sso_fresh.FreshSignIn(
        purpose="sign:ISF-OTHER:1:siro",
        user_id=ada.pk,
        provider=mark["provider"],
        uid=mark["uid"],
        auth_time=mark["auth_time"],
        organisation=mark["organisation"],
        initial={},
    )
    with pytest.raises(sso_fresh.StaleSignIn):
        signing.signature_record(
            agreement=agreement,
            by=ada,
            party=owed.party,
            capacity=owed.capacity,
            fresh_sign_in=other,
            pdf_sha256=agreement.draft_sha256,
            job_title="CDO",
        )
    assert not Signature.objects.exists()


def test_someone_else_signing_in_at_the_provider_cannot_sign(client, provider, agreement, ada):
    member_of(agreement.parties.get(is_lead=True).organisation, email="new.starter@north.example")
    sso_sign_in(client, provider, "ada.north@north.example")
    sign_in_again(client, provider, agreement, account="new.starter@north.example")
    page = client.get(url(agreement)).content.decode()
    assert "There is a problem" in page and "as someone else" in page
    assert sso_fresh.SESSION_KEY not in client.session  # the refusal is shown once
    assert not Signature.objects.exists()
    assert client.session["_auth_user_id"] == str(ada.pk)  # still Ada, nobody else
    refusal = SignInRefusal.objects.get()
    assert refusal.reason == "fresh_sign_in_other_person"
    assert refusal.email == "new.starter@north.example"


def test_an_old_auth_time_from_the_provider_leaves_no_mark(rf, ada, idp_a):
    """A provider that ignored max_age=0 and vouched for an old sign-in."""
    now = int(time.time())
    request = rf.get("/")
    request.session, request.user = {}, ada
    purpose = "sign:ISF-1:1:siro"
    sociallogin = SimpleNamespace(
        state={"process": "redirect", "data": {"isf_fresh": purpose, "requested_at": now}},
        is_existing=True,
        user=ada,
        account=SimpleNamespace(provider=idp_a.provider_id, uid="ada.north@north.example"),
    )
    for auth_time in (now - 3600, now - 120, None):  # old; before the portal asked; none
        sso_fresh.record(request, idp_a, sociallogin, {"auth_time": auth_time})
        assert "did not ask you to sign in again" in request.session[sso_fresh.SESSION_KEY]["error"]
        assert sso_fresh.take(request, purpose=purpose) is None
    assert (
        list(SignInRefusal.objects.values_list("reason", flat=True))
        == ["fresh_sign_in_not_recent"] * 3
    )
    sso_fresh.record(request, idp_a, sociallogin, {"auth_time": now})
    assert sso_fresh.take(request, purpose=purpose).auth_time == now


def test_a_password_signatory_still_signs_with_their_password(
    client_for, agreement, signatory_b, password, idp_a
):
    data = {
        **form(agreement),
        "signature": f"{agreement.parties.get(is_lead=False).pk}:siro",
        "password": password,
    }
    response = client_for(signatory_b).post(url(agreement), data)
    assert response.status_code == 302
    signature = Signature.objects.get()
    assert signature.method == SignatureMethod.PASSWORD and signature.identity_provider_name == ""
    assert "portal password" in AgreementEvent.objects.get(kind="signed").description


def test_an_outsider_with_single_sign_on_gets_404(client, provider, agreement, idp_a):
    outsider_org = OrganisationFactory(name="North Borough Council", slug="north-org")
    identity_provider(outsider_org, provider, email_domains="elsewhere.example")
    member_of(outsider_org, Role.SIGNATORY, email="someone@elsewhere.example")
    sso_sign_in(client, provider, "someone@elsewhere.example")
    assert client.get(url(agreement)).status_code == 404
    assert client.post(url(agreement), form(agreement)).status_code == 404
    assert not Signature.objects.exists()


@pytest.mark.real_pdf
def test_the_sealed_pdf_says_how_each_signatory_confirmed_it_was_them(
    agreement, ada, idp_a, signatory_b, password
):
    from allauth.socialaccount.models import SocialAccount

    from agreements import sealing

    from .test_sealing import stored

    account = SocialAccount.objects.create(user=ada, provider=idp_a.provider_id, uid=ADA_UID)
    owed = signing.owed_by(user=ada, agreement=agreement)[0]
    signing.signature_record(
        agreement=agreement,
        by=ada,
        party=owed.party,
        capacity=owed.capacity,
        pdf_sha256=agreement.draft_sha256,
        job_title="Chief Digital Officer",
        fresh_sign_in=sso_fresh.FreshSignIn(
            purpose=signing.fresh_sign_in_purpose(agreement, owed.key),
            user_id=ada.pk,
            provider=account.provider,
            uid=account.uid,
            auth_time=int(time.time()),
            organisation=idp_a.organisation.name,
            initial={},
        ),
    )
    owed = signing.owed_by(user=signatory_b, agreement=agreement)[0]
    signing.signature_record(
        agreement=agreement,
        by=signatory_b,
        party=owed.party,
        capacity=owed.capacity,
        password=password,
        pdf_sha256=agreement.draft_sha256,
        job_title="SIRO",
    )
    sealed = sealing.agreement_seal(agreement_id=agreement.pk)
    reader = PdfReader(io.BytesIO(stored(sealed)))
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages[-2:])
    assert "Identity confirmed Signed in again with their organisation's account" in text
    assert "(Ardwick Borough Council)" in text
    assert "Identity confirmed Portal password entered again" in text
