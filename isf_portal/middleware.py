"""Middleware of the portal's own."""

import time

from django.conf import settings

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
