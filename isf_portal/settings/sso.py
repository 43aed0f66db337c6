"""Single sign-on and two-step verification settings (django-allauth)."""

import environ

env = environ.Env()

SSO_APPS = [
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "allauth.usersessions",
]

# Single sign-on (django-allauth's OpenID Connect provider): each organisation's identity
# provider is a row in Django admin (organisations.IdentityProvider), not a setting; the
# portal's own sign-in page does home realm discovery, so allauth's pages are never shown.
ACCOUNT_ADAPTER = "organisations.sso.PortalAccountAdapter"
SOCIALACCOUNT_ADAPTER = "organisations.sso.PortalSocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*"]
ACCOUNT_EMAIL_VERIFICATION = "none"  # the identity provider vouches (email_verified is checked)
ACCOUNT_LOGOUT_REDIRECT_URL = "accounts:signed-out"
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # the adapter links verified addresses itself
# Seconds the portal waits for an identity provider's discovery, token and userinfo answers.
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("SSO_HTTP_TIMEOUT", default=10)

# Two-step verification (allauth.mfa's authenticators, in the portal's own pages): required for
# signatories, organisation admins and portal administrators. Only tests switch it off.
MFA_REQUIRED = env.bool("MFA_REQUIRED", default=True)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "ISF Portal"
