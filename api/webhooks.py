"""Webhooks: events that concern an organisation, signed per Standard Webhooks and sent to
its admins' HTTPS endpoints through the outbox, with every attempt kept.

The events come from the two timelines (a proposal's, an agreement's): each line of a kind
below becomes one delivery per subscribed endpoint of each party organisation. Payloads
carry ids and links, never personal data."""

import base64
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit
from outbox.services import outbox_enqueue

from .models import WebhookDelivery, WebhookEndpoint
from .tasks import webhook_deliver
from .webhook_delivery import address_check


@dataclass(frozen=True, eq=False)
class Timeline:
    """A timeline whose lines become events: the line kinds -> the event partners subscribe
    to, and the subject the payload names (its reference, status and API link) and whose
    party organisations hear of it."""

    subject: str  # the timeline line's attribute, and the payload's key
    events: dict[str, str]
    link: str  # the API detail page's URL name
    parties: str  # the subject's rows naming its party organisations

    def data(self, subject) -> dict:
        link = settings.SITE_URL + reverse(self.link, args=[subject.reference])
        return {self.subject: subject.reference, "status": subject.status, "url": link}

    def on_line(self, sender, instance, created, **kwargs):
        """post_save of a timeline line: a delivery for each endpoint that wants its event."""
        event = self.events.get(instance.kind) if created else None
        if event is None:
            return
        subject = getattr(instance, self.subject)
        parties = getattr(subject, self.parties).values_list("organisation_id", flat=True)
        event_record(event=event, organisation_ids=parties, data=self.data(subject))


PROPOSAL = Timeline(
    subject="proposal",
    events={
        "submitted": "proposal.submitted",
        "round_opened": "decision.needed",
        "outcome": "proposal.decided",
    },
    link="api:proposal-detail",
    parties="participants",
)
AGREEMENT = Timeline(
    subject="agreement",
    events={
        "ready": "agreement.ready_to_sign",
        "sealed": "agreement.active",
        "review_opened": "agreement.review_due",
        "review_reminder": "agreement.review_due",
        "terminated": "agreement.terminated",
    },
    link="api:agreement-detail",
    parties="parties",
)
EVENTS = sorted({*PROPOSAL.events.values(), *AGREEMENT.events.values()})

# The receivers api/apps.py connects to the timelines' post_save.
on_proposal_event = PROPOSAL.on_line
on_agreement_event = AGREEMENT.on_line


# --- Endpoints --------------------------------------------------------------------------
def new_secret() -> str:
    """A Standard Webhooks signing key: "whsec_" and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def endpoint_create(*, organisation, url: str, events: list[str], by) -> WebhookEndpoint:
    address_check(url)
    endpoint = WebhookEndpoint(
        organisation=organisation,
        url=url,
        events=[e for e in events if e in EVENTS],
        secret=new_secret(),
        created_by=by,
    )
    audit(endpoint, reason="isf.webhook.created", by=by)
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_resume(*, endpoint: WebhookEndpoint, by) -> WebhookEndpoint:
    """Paused -> active: new events are sent to it again, its run of failures forgotten.
    Resuming one that runs records nothing."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.paused_at is None:
        return endpoint
    endpoint.paused_at = None
    endpoint.failures_in_a_row = 0
    audit(endpoint, reason="isf.webhook.resumed", by=by)
    endpoint.save(update_fields=["paused_at", "failures_in_a_row"])
    return endpoint


# --- Deliveries -------------------------------------------------------------------------
def delivery_new(*, endpoint: WebhookEndpoint, event: str, data: dict) -> WebhookDelivery:
    """The delivery log's row for one event to one endpoint (not yet handed over)."""
    delivery = WebhookDelivery(
        endpoint=endpoint,
        message_id=f"msg_{secrets.token_hex(12)}",
        event=event,
        payload={"type": event, "timestamp": timezone.now().isoformat(), "data": data},
    )
    audit(delivery, reason="isf.webhook.recorded")
    delivery.save()
    return delivery


def event_record(*, event: str, organisation_ids, data: dict) -> int:
    """A delivery for each active endpoint of these organisations that wants `event`,
    handed to the outbox in the caller's transaction. Returns how many. The demo's
    endpoints (seed_demo) are left out: nothing is ever sent to them."""
    endpoints = WebhookEndpoint.objects.filter(
        organisation_id__in=organisation_ids, paused_at__isnull=True, demo=False
    )
    count = 0
    for endpoint in endpoints:
        if event not in endpoint.events:
            continue
        delivery_enqueue(delivery_new(endpoint=endpoint, event=event, data=data))
        count += 1
    return count


def delivery_enqueue(delivery: WebhookDelivery) -> None:
    outbox_enqueue(task=webhook_deliver, kwargs={"delivery_id": delivery.pk})


@transaction.atomic
def delivery_resend(*, delivery: WebhookDelivery, by) -> WebhookDelivery:
    """An admin sends a delivered or failed delivery again (same message id, so a receiver
    that keeps ids can tell): pending again, its tries counted afresh from now."""
    delivery = (
        WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    )
    if delivery.endpoint.demo:
        raise DomainError(_("The demo's endpoints are never sent to."))
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise DomainError(_("This delivery is still being sent."))
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.queued_at = timezone.now()
    audit(delivery, reason="isf.webhook.resent", by=by)
    delivery.save(update_fields=["status", "queued_at"])
    delivery_enqueue(delivery)
    return delivery
