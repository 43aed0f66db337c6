"""Counters in the cache that limit how often something is done: wrong signing passwords per
person, and checks on the verify page per person and per IP address (the page is open to
anyone, so an address is the only handle on someone who is not signed in, and several
accounts from one address share its limit)."""

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from isf_portal.client_ip import client_ip


def _key(scope: str, who) -> str:
    return f"isf:throttle:{scope}:{who}"


def hits(scope: str, who, window: int) -> int:
    """Count one more `scope` by `who` (a user's pk, an address) in the current window, and
    return the count."""
    key = _key(scope, who)
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def count(scope: str, who) -> int:
    return cache.get(_key(scope, who), 0)


def verify_refusal(request) -> str | None:
    """Count a check on the verify page; the reason it is refused if it goes past the limit
    per IP address, or per person when signed in."""
    window = settings.AGREEMENT_VERIFY_WINDOW_SECONDS
    by_address = hits("verify-ip", client_ip(request) or "unknown", window)
    by_person = hits("verify", request.user.pk, window) if request.user.is_authenticated else 0
    if by_person > settings.AGREEMENT_VERIFY_RATE:
        return _(
            "You have checked %(n)s PDFs in a short time. Wait a few minutes, then try again."
        ) % {"n": settings.AGREEMENT_VERIFY_RATE}
    if by_address > settings.AGREEMENT_VERIFY_RATE_PER_IP:
        return _(
            "Many PDFs have been checked from your network in a short time. Wait a few "
            "minutes, then try again."
        )
    return None
