"""RP-initiated logout: signing out of the portal ends the provider's session too, where the
provider advertises an `end_session_endpoint` in its discovery document.

allauth keeps neither the raw ID token (the `id_token_hint` the provider wants) nor the
discovery document, and SOCIALACCOUNT_STORE_TOKENS stays off (the portal has no use for
access tokens). So the provider's callback here is allauth's, with an adapter that also notes
both on the request; `PortalSocialAccountAdapter.pre_social_login` keeps them in the session
(`remember`), and the sign-out view builds the provider's logout address from them
(`end_session_url`) before the session ends.
"""

from urllib.parse import urlencode

from allauth.socialaccount.models import SocialAccount, SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.urls import reverse

SESSION_KEY = "isf_sso_logout"


class PortalOIDCAdapter(OpenIDConnectOAuth2Adapter):
    def complete_login(self, request, app, token, **kwargs):
        sociallogin = super().complete_login(request, app, token, **kwargs)
        self.request.isf_oidc_tokens = {
            "id_token": kwargs["response"].get("id_token") or "",
            "end_session_endpoint": self.openid_config.get("end_session_endpoint") or "",
            "client_id": app.client_id,
        }
        return sociallogin


@login_not_required
def callback(request, provider_id):
    """allauth's OpenID Connect callback, with PortalOIDCAdapter."""
    try:
        view = OAuth2CallbackView.adapter_view(PortalOIDCAdapter(request, provider_id))
        return view(request)
    except SocialApp.DoesNotExist as exc:
        raise Http404 from exc


def remember(request, sociallogin, organisation_name: str) -> None:
    """Keep what signing out needs from this sign-in (on the request, from the callback)."""
    tokens = getattr(request, "isf_oidc_tokens", None) or {}
    if not tokens.get("id_token") or not tokens.get("end_session_endpoint"):
        request.session.pop(SESSION_KEY, None)
        return
    request.session[SESSION_KEY] = {
        **tokens,
        "provider": sociallogin.account.provider,
        "uid": sociallogin.account.uid,
        "organisation": organisation_name,
    }


def end_session_url(request) -> tuple[str, str] | None:
    """The provider's logout address for the person signed in, and the organisation's name;
    None for a password sign-in or a provider without RP-initiated logout."""
    kept = request.session.get(SESSION_KEY)
    if not kept or not request.user.is_authenticated:
        return None
    if not SocialAccount.objects.filter(
        user=request.user, provider=kept["provider"], uid=kept["uid"]
    ).exists():
        return None  # a later password sign-in in the same browser
    query = urlencode(
        {
            "id_token_hint": kept["id_token"],
            "client_id": kept["client_id"],
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("accounts:signed-out")),
        }
    )
    endpoint = kept["end_session_endpoint"]
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{query}", kept["organisation"]
