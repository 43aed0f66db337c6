"""Generating and sealing agreements: fed from the outbox, idempotent, retried on transient
database errors."""

from celery import shared_task
from django.db import OperationalError

from outbox.base import OutboxBackedTask

from .. import sealing
from ..generation import services as generation


@shared_task(
    name="agreements.generate",
    base=OutboxBackedTask,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=8,
)
def generate(version_id: int) -> None:
    """Create the agreement of an approved version and its draft PDF (once)."""
    generation.agreement_generate(version_id=version_id)


@shared_task(
    name="agreements.seal",
    base=OutboxBackedTask,
    # A timestamp authority or revocation service that did not answer: retried (then the
    # outbox redispatches), never sealed to a lesser PAdES level instead.
    autoretry_for=(OperationalError, sealing.SealingServiceUnavailable),
    retry_backoff=True,
    max_retries=8,
)
def seal(agreement_id: int) -> None:
    """Produce, seal and store the signed PDF of a fully signed agreement (once)."""
    sealing.agreement_seal(agreement_id=agreement_id)
