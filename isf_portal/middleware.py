"""Middleware of the portal's own."""

import time

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth import middleware as auth_middleware
from django.core.exceptions import ValidationError
from django.utils.crypto import constant_time_compare

from .compiled import CompiledRead

REFRESHED_KEY = "_isf_refreshed"


class SessionIdleMiddleware:
    """Keeps a signed-in session alive while it is used, writing it at most once a minute.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) costs a database write
    per page. Instead the session is renewed when its last renewal is older than
    SESSION_REFRESH_SECONDS, and the cookie and the stored session live that much longer than
    SESSION_IDLE_TIMEOUT, so a session always outlives the idle timeout that the page's
    warning counts down from (the warning then signs the user out itself).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id") is not None:
            refresh(session, force=False)
        return self.get_response(request)


def refresh(session, *, force: bool) -> None:
    now = int(time.time())
    last = session.get(REFRESHED_KEY, 0)
    if force or now - last >= settings.SESSION_REFRESH_SECONDS:
        session[REFRESHED_KEY] = now  # marks the session modified: saved with a new expiry


# --- The signed-in user, read with a query compiled once -----------------------------------
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
_user_by_id = CompiledRead(lambda pk: get_user_model()._default_manager.filter(pk=pk), pk=int)


def _signed_in_user(request):
    """auth.get_user(request) for the usual case, a session signed in through ModelBackend
    whose user is active and whose auth hash is the current one: the same checks, with the
    user read by a query compiled once (building it through the ORM was a tenth of the
    cheapest signed-in page). Any other case (another backend, no such user, a stale hash,
    the fallback secrets) is left to Django's own get_user, which flushes or cycles the
    session as it should."""
    session = request.session
    try:
        user_id = get_user_model()._meta.pk.to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except (KeyError, ValidationError, ValueError, TypeError):
        return auth.get_user(request)
    if backend_path != MODEL_BACKEND or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return auth.get_user(request)
    found = _user_by_id.instances(pk=user_id)
    session_hash = session.get(HASH_SESSION_KEY)
    if (
        len(found) == 1
        and getattr(found[0], "is_active", True)  # ModelBackend.user_can_authenticate
        and session_hash
        and constant_time_compare(session_hash, found[0].get_session_auth_hash())
    ):
        return found[0]
    return auth.get_user(request)


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, with `request.user` read by _signed_in_user, and read now rather than lazily:
    every page that reaches a view draws the layout, which asks who is signed in, and each
    attribute read through Django's lazy proxy (about a hundred and twenty a page) cost more
    than reading the user once. A request with no session reads nothing: AnonymousUser."""

    def process_request(self, request):
        super().process_request(request)
        request.user = _signed_in_user(request)
