"""Webhooks: events that concern an organisation, signed per Standard Webhooks and sent to
its admins' HTTPS endpoints through the outbox, with every attempt kept.

The events come from the two timelines (a proposal's, an agreement's): each line of a kind
below becomes one delivery per subscribed endpoint of each party organisation. Payloads
carry ids and links, never personal data."""

import base64
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from isf_portal.domain import audit
from outbox.services import outbox_enqueue

from .models import WebhookDelivery, WebhookEndpoint
from .tasks import webhook_deliver
from .webhook_delivery import address_check

# Timeline kinds -> the event partners subscribe to.
PROPOSAL_EVENTS = {
    "submitted": "proposal.submitted",
    "round_opened": "decision.needed",
    "outcome": "proposal.decided",
}
AGREEMENT_EVENTS = {
    "ready": "agreement.ready_to_sign",
    "sealed": "agreement.active",
    "review_opened": "agreement.review_due",
    "review_reminder": "agreement.review_due",
    "terminated": "agreement.terminated",
}
EVENTS = sorted({*PROPOSAL_EVENTS.values(), *AGREEMENT_EVENTS.values()})


# --- Recording events -------------------------------------------------------------------
def endpoint_create(*, organisation, url: str, events: list[str], by) -> WebhookEndpoint:
    address_check(url)
    endpoint = WebhookEndpoint(
        organisation=organisation,
        url=url,
        events=[e for e in events if e in EVENTS],
        secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
        created_by=by,
    )
    audit(endpoint, reason="isf.webhook.created", by=by)
    endpoint.save()
    return endpoint


def endpoint_resume(*, endpoint: WebhookEndpoint, by) -> None:
    endpoint.paused_at = None
    endpoint.failures_in_a_row = 0
    audit(endpoint, reason="isf.webhook.resumed", by=by)
    endpoint.save(update_fields=["paused_at", "failures_in_a_row"])


def event_record(*, event: str, organisation_ids, data: dict) -> int:
    """A delivery for each active endpoint of these organisations that wants `event`,
    handed to the outbox in the caller's transaction. Returns how many."""
    endpoints = WebhookEndpoint.objects.filter(
        organisation_id__in=organisation_ids, paused_at__isnull=True
    )
    count = 0
    for endpoint in endpoints:
        if event not in endpoint.events:
            continue
        message_id = f"msg_{secrets.token_hex(12)}"
        payload = {"type": event, "timestamp": timezone.now().isoformat(), "data": data}
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, message_id=message_id, event=event, payload=payload
        )
        delivery_enqueue(delivery)
        count += 1
    return count


def delivery_enqueue(delivery: WebhookDelivery) -> None:
    outbox_enqueue(task=webhook_deliver, kwargs={"delivery_id": delivery.pk})


def _link(name: str, reference: str) -> str:
    return settings.SITE_URL + reverse(name, args=[reference])


def on_proposal_event(sender, instance, created, **kwargs):
    event = PROPOSAL_EVENTS.get(instance.kind) if created else None
    if event is None:
        return
    proposal = instance.proposal
    data = {
        "proposal": proposal.reference,
        "status": proposal.status,
        "url": _link("api:proposal-detail", proposal.reference),
    }
    parties = proposal.participants.values_list("organisation_id", flat=True)
    event_record(event=event, organisation_ids=parties, data=data)


def on_agreement_event(sender, instance, created, **kwargs):
    event = AGREEMENT_EVENTS.get(instance.kind) if created else None
    if event is None:
        return
    agreement = instance.agreement
    data = {
        "agreement": agreement.reference,
        "status": agreement.status,
        "url": _link("api:agreement-detail", agreement.reference),
    }
    parties = agreement.parties.values_list("organisation_id", flat=True)
    event_record(event=event, organisation_ids=parties, data=data)
