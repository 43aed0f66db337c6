"""What the agreements app does when other apps' events happen."""

from django.dispatch import receiver

from outbox.services import outbox_enqueue
from sharing_requests.rounds.rounds import proposal_approved

from .tasks import generate


@receiver(proposal_approved, dispatch_uid="agreements.generate_on_approval")
def generate_on_approval(sender, *, proposal, review, **kwargs):
    """Sent inside the approving transaction: record the work of generating the agreement in
    the same transaction (the outbox), so it is never lost if the broker is away."""
    outbox_enqueue(task=generate, kwargs={"version_id": review.version_id})
