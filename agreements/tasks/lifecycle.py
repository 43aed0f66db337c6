"""Daily lifecycle work on Celery beat: scheduled terminations, expiry and review-date
reminders. Idempotent, so a retry or a second run the same day does nothing more."""

from celery import shared_task
from django.db import OperationalError

from .. import lifecycle


@shared_task(
    name="agreements.lifecycle_daily",
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def lifecycle_daily() -> dict:
    """Agreements past their end date expire; terminations take effect on their date; the
    parties' governance officers hear 60 and 14 days before a review date."""
    return lifecycle.lifecycle_daily()
