"""The address of the person making a request, behind the portal's own reverse proxies.

Each proxy appends the address it received the request from to ``X-Forwarded-For``. With
``PROXY_COUNT`` proxies in front of the portal, the entry that many places from the right was
written by the outermost proxy we run: that is the client. Everything to its left came from
the client and can be forged, so it is never read. django-axes (sign-in throttling) and the
portal's own rate limits use this one function.
"""

from ipaddress import ip_address

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str) -> str | None:
    try:
        return str(ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, or the peer's when no proxy is configured or the header is
    missing or malformed (a request that did not come through the proxies)."""
    peer = request.META.get("REMOTE_ADDR")
    count = settings.PROXY_COUNT
    if count <= 0:
        return peer
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part]
    if len(forwarded) < count:
        return peer
    return _valid(forwarded[-count]) or peer
