"""`Authorization: Bearer <token>` for the API, the per-token rate limit, and the rule that
a read-only token may not write."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, throttling

from .tokens import token_find


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give one token after 'Bearer'."))
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from exc
        token = token_find(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The token is not valid, expired or revoked."))
        return token.user, token

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return self.keyword


class TokenScopePermission(permissions.BasePermission):
    """Signed in with a token; writes need a read-write token."""

    message = _("This token is read only.")

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated and request.auth is not None):
            return False
        return request.method in permissions.SAFE_METHODS or request.auth.can_write


class TokenRateThrottle(throttling.SimpleRateThrottle):
    """Requests per token (DEFAULT_THROTTLE_RATES["token"], API_RATE_LIMIT)."""

    scope = "token"

    def get_cache_key(self, request, view):
        if request.auth is None:
            return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
