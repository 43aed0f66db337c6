"""Sending webhook deliveries (api/webhooks.py), fed from the outbox."""

from celery import shared_task
from django.conf import settings

from outbox.base import OutboxBackedTask

from . import webhook_delivery as webhooks


class DeliveryFailed(Exception):
    """The endpoint did not answer 2xx: try again later."""


@shared_task(name="api.webhook_deliver", base=OutboxBackedTask, bind=True, max_retries=None)
def webhook_deliver(self, delivery_id: int) -> None:
    """Send one webhook delivery; retried with growing waits (WEBHOOK_RETRY_SECONDS, doubling:
    30 s, 1 min, 2 min, …), then given up (and the endpoint perhaps paused). Safe to run
    twice: a delivered one is left."""
    failed = webhooks.delivery_attempt(delivery_id=delivery_id)
    if failed is None:
        return
    if failed >= settings.WEBHOOK_MAX_ATTEMPTS:
        webhooks.delivery_give_up(delivery_id=delivery_id)
        return
    # The tries are counted in the delivery log, so a retry from the outbox's redispatch
    # (after a worker restart, or the embedded mode's eager tasks) counts the same.
    wait = settings.WEBHOOK_RETRY_SECONDS * 2 ** (failed - 1)
    raise self.retry(countdown=wait, exc=DeliveryFailed(delivery_id))
