"""Signed-in pages rendered once per session until the data changes (PAGE_CACHE setting).

A signed-in page costs tens of milliseconds of queries and template rendering; reading it back
costs one cache round trip. A rendered page is kept for the session that asked for it (never
shared between people) under the data's *generation*: a token that changes whenever anything
writes to the database. Every INSERT, UPDATE or DELETE any process sends (web, worker, beat,
management commands) is seen by a database execute wrapper, which changes the generation as
soon as the write is made and again when its transaction commits; a page rendered before that
is never served again. Sessions, sign-in throttling and the outbox's bookkeeping, which no
portal page shows, do not count as data (Django admin pages are never kept).

What is never cached: anything but a GET that answered 200 with HTML; a page that showed a
flash message, set a cookie or marked itself not cacheable; a request during which anything
was written; a request without a CSRF cookie (the page's form token must match the browser's
cookie, which is part of the key). The key also holds the user, the full path and query, the
htmx headers, the language and today's date (pages count days).

It needs a cache every process shares (Redis): with the embedded default's in-memory cache
the worker's writes could not reach the web process, so it is off there.
"""

import functools
import hashlib
import logging
import re
import secrets

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.backends.signals import connection_created
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

GENERATION_KEY = "isf:page-cache:generation"
PAGE_KEY = "isf:page-cache:page:{}"
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|TRUNCATE|ALTER|DROP|CREATE)\b", re.IGNORECASE)
# Rows no portal page shows: sessions, sign-in throttling, the outbox's bookkeeping (written
# per task dispatched; only the admin shows it, and admin pages are never kept).
NOT_DATA = re.compile(
    r"^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+\"?"
    r"(django_session|axes_|notifications_outboxtask)",
    re.IGNORECASE,
)
VARY_HEADERS = ("HTTP_HX_REQUEST", "HTTP_HX_TARGET", "HTTP_HX_TRIGGER", "HTTP_HX_BOOSTED")


# --- The generation --------------------------------------------------------------------
def bump() -> None:
    """Make every cached page stale."""
    try:
        cache.set(GENERATION_KEY, secrets.token_hex(8), timeout=None)
    except Exception:  # the cache is down: pages are not served from it either
        logger.warning("Page cache: could not change the generation", exc_info=True)


def _wrote(connection) -> None:
    """Outside a transaction the write is visible at once: change the generation now. Inside
    one, change it at the first write (a page rendered before the commit must not outlive it)
    and when it commits (nor one rendered in between); later writes in the same transaction
    are caught by that commit, or by the end of the request that made them."""
    connection.isf_wrote = True
    if not connection.in_atomic_block:
        bump()
    elif not any(func is bump for _, func, _ in connection.run_on_commit):
        bump()
        connection.on_commit(bump)


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if WRITE.match(sql) and not NOT_DATA.match(sql):
        _wrote(context["connection"])
    return result


def _install(sender, connection, **kwargs) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def install() -> None:
    """Watch every database connection of this process for writes (AppConfig.ready)."""
    connection_created.connect(_install, dispatch_uid="isf-page-cache")
    for connection in connections.all(initialized_only=True):
        _install(None, connection)


def _take_writes() -> bool:
    """Whether this thread's connections wrote since last asked (and forget that they did)."""
    wrote = False
    for connection in connections.all(initialized_only=True):
        if getattr(connection, "isf_wrote", False):
            connection.isf_wrote = False
            wrote = True
    return wrote


# --- The middleware ----------------------------------------------------------------------
class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.PAGE_CACHE:
            return self.get_response(request)
        if _take_writes():  # this thread wrote outside a request (a test, a shell)
            bump()
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        try:
            found = cache.get_many([GENERATION_KEY, key])
        except Exception:
            logger.warning("Page cache unavailable", exc_info=True)
            return self.get_response(request)
        generation = found.get(GENERATION_KEY)
        if generation is None:
            bump()
            generation = cache.get(GENERATION_KEY)
        cached = found.get(key)
        if cached is not None and cached[0] == generation and not _messages_waiting(request):
            return _response(cached[1])
        response = self.get_response(request)
        if _take_writes():
            bump()
        elif generation is not None and self._storable(request, response):
            try:
                cache.set(key, (generation, _stored(response)), settings.PAGE_CACHE_SECONDS)
            except Exception:
                logger.warning("Page cache: could not store a page", exc_info=True)
        return response

    @staticmethod
    def _key(request) -> str | None:
        """The session's key for this page, or None if the page must not be kept. The user is
        not loaded: a page is only stored for a signed-in user (_storable), and whatever
        could end that (signing out, a new password, deactivation) deletes the session or
        writes, which changes the generation."""
        if request.method != "GET" or request.path.startswith(_admin_prefix()):
            return None
        session = getattr(request, "session", None)
        csrf_cookie = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
        if session is None or session.session_key is None or not csrf_cookie:
            return None
        user_id = session.get("_auth_user_id")
        if user_id is None:
            return None
        parts = [
            session.session_key,
            csrf_cookie,
            str(user_id),
            request.get_full_path(),
            translation.get_language() or "",
            timezone.localdate().isoformat(),
            *(request.META.get(name, "") for name in VARY_HEADERS),
        ]
        return PAGE_KEY.format(hashlib.sha256("\x1f".join(parts).encode()).hexdigest())

    @staticmethod
    def _storable(request, response) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        if str(user.pk) != str(request.session.get("_auth_user_id")):
            return False
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        if not response.get("Content-Type", "").startswith("text/html"):
            return False
        if "no-store" in response.get("Cache-Control", ""):
            return False
        return not _messages_waiting(request)


@functools.cache
def _admin_prefix() -> str:
    """Django admin pages are for a few staff, and show rows the generation ignores."""
    return reverse("admin:index")


def _messages_waiting(request) -> bool:
    """Whether the page shows (or is about to show) a flash message; reading them this way
    does not mark them shown."""
    storage = getattr(request, "_messages", None)
    if storage is None:
        return False
    return bool(storage._loaded_messages or storage._queued_messages)


def _stored(response) -> dict:
    return {
        "content": response.content,
        "headers": {k: v for k, v in response.items() if k.lower() != "content-length"},
    }


def _response(stored: dict) -> HttpResponse:
    response = HttpResponse(stored["content"])
    for name, value in stored["headers"].items():
        response[name] = value
    return response
