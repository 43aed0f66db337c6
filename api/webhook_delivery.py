"""Sending one webhook delivery: the address check (after DNS resolution, against private,
loopback and link-local networks), TLS with the configured CA, the Standard Webhooks
signature, the attempt log, giving up and pausing an endpoint that keeps failing."""

import contextlib
import http.client
import ipaddress
import json
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from isf_portal.domain import DomainError, audit
from notifications.models import NotificationKind
from notifications.services import notify
from organisations.models import Membership

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class AddressRefused(DomainError):
    pass


# --- Addresses --------------------------------------------------------------------------
def address_check(url: str) -> list[str]:
    """The IP addresses `url`'s host resolves to, if it is HTTPS and none of them is private,
    loopback, link-local or otherwise not public (unless WEBHOOK_ALLOW_PRIVATE)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise AddressRefused(_("Enter an address starting with https://"))
    try:
        found = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise AddressRefused(_("The address's host name could not be found")) from exc
    addresses = sorted({info[4][0] for info in found})
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        for address in addresses:
            if not ipaddress.ip_address(address.split("%")[0]).is_global:
                raise AddressRefused(
                    _("The address leads to a private or local network, which is not allowed")
                )
    return addresses


def _tls_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.WEBHOOK_CA_FILE:
        context.load_verify_locations(cafile=settings.WEBHOOK_CA_FILE)
    return context


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the address already checked (not a second DNS answer), verifying the
    certificate for the host name."""

    def __init__(self, host, address, **kwargs):
        super().__init__(host, **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


# --- Delivering -------------------------------------------------------------------------
def delivery_attempt(*, delivery_id: int) -> int | None:
    """One try at a delivery: None if delivered (now or before) or nothing is to be done (a
    paused endpoint, or one of the demo's); otherwise how many tries have failed since it
    was queued.

    On PostgreSQL the delivery's row stays locked while it is sent: a second run of the same
    delivery (the outbox's redispatch beside a retry, another worker) waits, then finds it
    delivered, rather than sending it twice at once. SQLite has no row locks, and its
    transactions (IMMEDIATE) take the whole database's write lock: one held over an HTTP call
    would stall every page, so there it goes without (the embedded mode has one worker)."""
    locking = connection.features.has_select_for_update
    with transaction.atomic() if locking else contextlib.nullcontext():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("endpoint")
            .get(pk=delivery_id)
        )
        endpoint = delivery.endpoint
        if (
            delivery.status != WebhookDelivery.Status.PENDING
            or endpoint.paused_at is not None
            or endpoint.demo
        ):
            return None
        status_code, error = _send(delivery)
        return attempt_record(delivery=delivery, status_code=status_code, error=error)


def _send(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST the delivery, signed: the status code it was answered with, or why there was
    no answer."""
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, separators=(",", ":"))
    try:
        addresses = address_check(endpoint.url)
        parts = urlsplit(endpoint.url)
        signed_at = timezone.now()
        signature = Webhook(endpoint.secret).sign(delivery.message_id, signed_at, body)
        connection = _PinnedHTTPSConnection(
            parts.hostname,
            addresses[0],
            port=parts.port or 443,
            timeout=settings.WEBHOOK_TIMEOUT,
            context=_tls_context(),
        )
        path = parts.path or "/"
        connection.request(
            "POST",
            path + (f"?{parts.query}" if parts.query else ""),
            body=body.encode(),
            headers={
                "Content-Type": "application/json",
                "webhook-id": delivery.message_id,
                "webhook-timestamp": str(int(signed_at.timestamp())),
                "webhook-signature": signature,
                "User-Agent": "ISF-Portal-Webhooks/1",
            },
        )
        status_code = connection.getresponse().status
        connection.close()
    except (OSError, http.client.HTTPException, AddressRefused) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    return status_code, ""


def attempt_record(*, delivery: WebhookDelivery, status_code: int | None, error: str = ""):
    """Keep one try in the delivery log. A 2xx answer: delivered, and the endpoint's run of
    failures ends (None). Otherwise how many tries have failed since it was queued."""
    attempt = WebhookAttempt.objects.create(delivery=delivery, status_code=status_code, error=error)
    if attempt.succeeded:
        delivery.status = WebhookDelivery.Status.DELIVERED
        audit(delivery, reason="isf.webhook.delivered")
        delivery.save(update_fields=["status"])
        # A counter, not a change to audit (a history row per delivery would bury the pauses).
        WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).exclude(failures_in_a_row=0).update(
            failures_in_a_row=0
        )
        return None
    return delivery.attempts.filter(at__gte=delivery.queued_at).count()


def delivery_give_up(*, delivery_id: int) -> None:
    """Every try failed: the delivery is failed; enough in a row pause the endpoint, and its
    organisation's admins are told."""
    with transaction.atomic():
        delivery = WebhookDelivery.objects.get(pk=delivery_id)
        delivery.status = WebhookDelivery.Status.FAILED
        audit(delivery, reason="isf.webhook.failed")
        delivery.save(update_fields=["status"])
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        endpoint.failures_in_a_row += 1
        fields = ["failures_in_a_row"]
        if endpoint.failures_in_a_row >= settings.WEBHOOK_PAUSE_AFTER and not endpoint.paused_at:
            endpoint.paused_at = timezone.now()
            fields.append("paused_at")
            audit(endpoint, reason="isf.webhook.paused")
            _tell_admins(endpoint)
        endpoint.save(update_fields=fields)


def _tell_admins(endpoint: WebhookEndpoint) -> None:
    admins = Membership.objects.filter(
        organisation=endpoint.organisation, is_org_admin=True, user__is_active=True
    ).select_related("user")
    for membership in admins:
        notify(
            user=membership.user,
            kind=NotificationKind.OTHER,
            title=_("Webhook paused: %(url)s") % {"url": endpoint.url},
            url=reverse("api-tokens:webhooks", args=[endpoint.organisation.slug]),
            template="webhook_paused",
            context={"endpoint": endpoint, "organisation": endpoint.organisation},
        )
