"""The routes allauth needs for single sign-on, and nothing of allauth's own pages.

The provider's callback is allauth's view (with an adapter that keeps the ID token for signing
out: sso_logout); the names allauth reverses elsewhere lead to the
portal's own sign-in and sign-out pages, so no allauth template is ever shown.
"""

from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from . import sso_logout

sign_in = RedirectView.as_view(url=reverse_lazy("accounts:sign-in"))

urlpatterns = [
    path(
        "oidc/<str:provider_id>/login/callback/",
        sso_logout.callback,
        name="openid_connect_callback",
    ),
    path("oidc/<str:provider_id>/login/", sign_in, name="openid_connect_login"),
    path("sign-in/", sign_in, name="account_login"),
    path("sign-up/", sign_in, name="account_signup"),
    path("sign-up/social/", sign_in, name="socialaccount_signup"),
    path("inactive/", sign_in, name="account_inactive"),
    path("cancelled/", sign_in, name="socialaccount_login_cancelled"),
    path("error/", sign_in, name="socialaccount_login_error"),
    path(
        "sign-out/",
        RedirectView.as_view(url=reverse_lazy("accounts:sign-out")),
        name="account_logout",
    ),
]
