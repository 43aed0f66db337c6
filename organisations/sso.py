"""Single sign-on with each organisation's own identity provider (django-allauth, OpenID Connect).

Each organisation's provider is an IdentityProvider row; allauth sees it as an OpenID Connect
app whose provider id is `org-<slug>`. The portal checks what allauth does not: the token's
tenant (`tid`), a verified e-mail address, and a domain the provider vouches for. Every
refusal is a SignInRefusal row and a GOV.UK page saying what to do.
"""

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter, get_adapter
from allauth.socialaccount.models import SocialAccount, SocialApp
from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from . import sso_fresh, sso_logout
from .models import IdentityProvider, SignInRefusal, User

PROVIDER_PREFIX = "org-"
SSO_SESSION_KEY = "isf_sso"


def identity_provider_for_email(email: str) -> IdentityProvider | None:
    """The identity provider that vouches for `email`'s domain, if its organisation has one."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    for idp in active_providers():
        if domain in idp.domains:
            return idp
    return None


def active_providers():
    return IdentityProvider.objects.filter(
        is_active=True, organisation__is_active=True
    ).select_related("organisation")


def identity_for(user) -> tuple[SocialAccount, IdentityProvider] | None:
    """The linked account and active provider `user` signs in with, if they use one."""
    accounts = {a.provider: a for a in SocialAccount.objects.filter(user=user)}
    if not accounts:
        return None
    for idp in active_providers():
        if idp.provider_id in accounts:
            return accounts[idp.provider_id], idp
    return None


def provider_origins() -> list[str]:
    """The identity providers' origins, which the sign-in page's form-action must allow."""
    origins = set()
    for issuer in active_providers().values_list("issuer", flat=True):
        parts = urlsplit(issuer)
        origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def _by_provider_id(provider_id: str) -> IdentityProvider | None:
    if not provider_id.startswith(PROVIDER_PREFIX):
        return None
    return active_providers().filter(organisation__slug=provider_id[len(PROVIDER_PREFIX) :]).first()


def provider_name(provider_id: str) -> str:
    idp = _by_provider_id(provider_id)
    return idp.organisation.name if idp else provider_id


def social_app(idp: IdentityProvider) -> SocialApp:
    """The allauth app for `idp`, built on the fly: never saved, so admin is the one place."""
    return SocialApp(
        provider="openid_connect",
        provider_id=idp.provider_id,
        name=idp.organisation.name,
        client_id=idp.client_id,
        secret=idp.client_secret,
        settings={"server_url": idp.issuer},
    )


def redirect_to_provider(request, idp: IdentityProvider, next_url: str = ""):
    provider = get_adapter().get_provider(request, idp.provider_id)
    return provider.redirect(request, process="login", next_url=next_url or None)


def refuse(request, *, idp, email: str, reason: str, message: str, detail: str = ""):
    """Record the refusal and stop the sign-in with a page that explains it."""
    SignInRefusal.objects.create(
        identity_provider=idp, email=email[:254], reason=reason, detail=detail[:500]
    )
    response = render(
        request,
        "accounts/sso_refused.html",
        {"message": message, "organisation": idp.organisation if idp else None},
        status=403,
    )
    raise ImmediateHttpResponse(response)


def _claims(sociallogin) -> tuple[dict, dict]:
    data = sociallogin.account.extra_data or {}
    return data.get("id_token") or {}, data.get("userinfo") or {}


def check_claims(request, idp: IdentityProvider, id_token: dict, userinfo: dict) -> str:
    """Refuse a token the organisation's provider should not have vouched for; the e-mail."""
    claims = {**id_token, **userinfo}
    email = (claims.get("email") or "").strip().lower()
    org = idp.organisation.name
    if idp.tenant_id and id_token.get("tid") != idp.tenant_id:
        refuse(
            request,
            idp=idp,
            email=email,
            reason="wrong_tenant",
            detail=f"tid={id_token.get('tid')!s:.80}",
            message=_(
                "You signed in with an account that does not belong to %(org)s. Sign out of "
                "your other work account, then sign in with your %(org)s account."
            )
            % {"org": org},
        )
    if not email or claims.get("email_verified") is not True:
        refuse(
            request,
            idp=idp,
            email=email,
            reason="unverified_email",
            message=_(
                "%(org)s's sign-in did not confirm your e-mail address, so the portal cannot "
                "sign you in with it. Ask your IT service desk to check your account."
            )
            % {"org": org},
        )
    domain = email.rpartition("@")[2]
    if domain not in idp.domains:
        refuse(
            request,
            idp=idp,
            email=email,
            reason="domain_not_vouched",
            message=_(
                "%(org)s's sign-in cannot be used for %(domain)s addresses. Sign in with the "
                "account of the organisation your e-mail address belongs to."
            )
            % {"org": org, "domain": domain},
        )
    return email


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts come from invitations or single sign-on, never from allauth's sign-up page.
        return False

    def get_client_ip(self, request):
        # The sessions list shows the address the throttling sees (PROXY_COUNT).
        from isf_portal.client_ip import client_ip

        return client_ip(request) or "unknown"

    def get_login_stages(self):
        # The portal asks for the second step itself (organisations.two_step).
        return [s for s in super().get_login_stages() if not s.startswith("allauth.mfa.")]

    def login(self, request, user):
        """An SSO sign-in whose token shows no second factor gets the portal's own."""
        from . import two_step

        signed_in = request.session.pop(SSO_SESSION_KEY, None) or {}
        if "mfa" not in signed_in.get("amr", []) and (
            two_step.totp_of(user) is not None or two_step.required_for(user)
        ):
            next_url = signed_in.get("next") or reverse(settings.LOGIN_REDIRECT_URL)
            raise ImmediateHttpResponse(
                two_step.start(request, user, next_url=next_url, method="sso")
            )
        super().login(request, user)
        request.session["isf_sign_in_method"] = "sso"


class PortalSocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request, provider=None, client_id=None):
        providers = active_providers()
        if provider and provider != "openid_connect":
            idp = _by_provider_id(provider)
            providers = [idp] if idp else []
        apps = [social_app(idp) for idp in providers]
        return [a for a in apps if client_id is None or a.client_id == client_id]

    def is_open_for_signup(self, request, sociallogin):
        return _by_provider_id(sociallogin.account.provider) is not None

    def pre_social_login(self, request, sociallogin):
        idp = _by_provider_id(sociallogin.account.provider)
        if idp is None:  # its organisation stopped using it mid-sign-in
            refuse(
                request,
                idp=None,
                email="",
                reason="provider_unknown",
                message=_("This sign-in is no longer set up. Sign in again."),
            )
        id_token, userinfo = _claims(sociallogin)
        email = check_claims(request, idp, id_token, userinfo)
        if sso_fresh.is_fresh_sign_in(sociallogin):
            # Signing in again to confirm an action: nobody is signed in or linked here.
            sso_fresh.record(request, idp, sociallogin, id_token)
            return
        sso_logout.remember(request, sociallogin, idp.organisation.name)
        request.session[SSO_SESSION_KEY] = {
            "organisation": idp.organisation.slug,
            "amr": list(id_token.get("amr") or []),
            "next": (sociallogin.state or {}).get("next") or "",
        }
        if sociallogin.is_existing:
            return
        user = User.objects.filter(email__iexact=email).first()
        if user is not None:
            # A verified address the provider vouches for: the same person, linked once.
            sociallogin.connect(request, user)

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        id_token, userinfo = _claims(sociallogin)
        claims = {**id_token, **userinfo}
        user.email = (claims.get("email") or "").strip().lower()
        user.full_name = (claims.get("name") or user.email.partition("@")[0])[:150]
        return user

    def save_user(self, request, sociallogin, form=None):
        from .services import sso_member_join

        user = super().save_user(request, sociallogin, form)
        idp = _by_provider_id(sociallogin.account.provider)
        sso_member_join(user=user, organisation=idp.organisation)
        return user

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        extra_context = extra_context or {}
        idp = _by_provider_id(getattr(getattr(provider, "app", None), "provider_id", "") or "")
        if "state_id" in extra_context and "state" not in extra_context:
            reason = "state_invalid"
        elif "id_token" in str(exception or ""):
            reason = "token_invalid"
        elif error == "cancelled":
            reason = "cancelled"
        else:
            reason = "provider_error"
        refuse(
            request,
            idp=idp,
            email="",
            reason=reason,
            detail=f"{error}: {exception!s:.300}",
            message=_(
                "Signing in with your organisation's account did not complete, so you are not "
                "signed in. This happens if a sign-in link is used twice or the sign-in took "
                "too long. Start again from the sign-in page."
            ),
        )
