"""The proposal's timeline: one hash-chained event per thing that happened
(isf_portal/audit_chain.py), written only by sharing_requests/events.py."""

from django.conf import settings
from django.db import models

from isf_portal.audit_chain import ChainedEvent

from .proposals import Proposal


class ProposalEvent(ChainedEvent):
    """The proposal's readable timeline: who did what, when."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=50)
    description = models.CharField(max_length=500)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "sequence"], name="proposal_event_sequence_unique"
            )
        ]
