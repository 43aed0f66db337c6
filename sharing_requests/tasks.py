from celery import shared_task
from django.db import OperationalError

from outbox.base import OutboxBackedTask

from .rounds import daily, rounds


@shared_task(
    name="requests.open_review_round",
    base=OutboxBackedTask,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def open_review_round(version_id: int) -> None:
    """Open the decision round of a submitted version (idempotent)."""
    rounds.round_open(version_id=version_id)


@shared_task(name="requests.review_daily", acks_late=True)
def review_daily() -> dict:
    """Reminders, escalations and steering votes closing at their deadline (idempotent)."""
    return daily.review_daily()
