"""The outbox's periodic work: hand over again what is still pending, purge what is done."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .models import OutboxTask
from .services import outbox_dispatch_many, outbox_purge


def redispatch_after() -> timedelta:
    """How long a dispatched task may take before the outbox hands it over again."""
    return timedelta(seconds=settings.OUTBOX_REDISPATCH_AFTER)


@shared_task(name="outbox.redispatch")
def redispatch(limit: int = 500) -> int:
    """Hand over again what the broker never got, or what a worker never finished.

    Tried even while the broker breaker is open (this is the way back); over one connection,
    and only until the broker first fails, so an outage costs one broker timeout per run."""
    stale = timezone.now() - redispatch_after()
    pending = (
        OutboxTask.objects.filter(status=OutboxTask.Status.PENDING)
        .filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale))
        .values_list("pk", flat=True)[:limit]
    )
    return outbox_dispatch_many(outbox_ids=list(pending))


@shared_task(name="outbox.purge", acks_late=True)
def purge() -> int:
    """Delete the rows done longer ago than the retention period (idempotent)."""
    return outbox_purge()
