"""Changes every party of an agreement must agree to (agreements/consents.py carries them
out): the request, and each party's answer."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .agreements import Agreement, AgreementParty

User = settings.AUTH_USER_MODEL


class ConsentKind(models.TextChoices):
    """What the parties are asked to agree to (agreements/consents.py; each kind's handler
    carries it out once every party has agreed)."""

    TERMINATE = "terminate", _("End the agreement")
    VARY = "vary", _("Vary the agreement")
    PUBLISH = "publish", _("Publish on the public register")


class ConsentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the parties")
    AGREED = "agreed", _("Every party agreed")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed: the agreement ended")


class ConsentRequest(models.Model):
    """One party asks every party of an agreement to agree to something (a kind): pending
    until every party has agreed, then carried out; a party that declines, or the proposer
    withdrawing, ends it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(max_length=20, choices=ConsentKind.choices)
    status = models.CharField(
        max_length=20, choices=ConsentStatus.choices, default=ConsentStatus.PENDING
    )
    party = models.ForeignKey(
        AgreementParty, on_delete=models.PROTECT, related_name="+", help_text=_("Proposed by")
    )
    proposed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    # The date asked for, where the kind has one (terminate: the date it ends).
    proposed_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "kind"],
                condition=models.Q(status="pending"),
                name="one_pending_consent_per_kind",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.get_status_display()})"


class ConsentResponse(models.Model):
    """One party's answer, given by its governance officer or signatory."""

    request = models.ForeignKey(ConsentRequest, on_delete=models.CASCADE, related_name="responses")
    party = models.ForeignKey(AgreementParty, on_delete=models.PROTECT, related_name="+")
    agreed = models.BooleanField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["answered_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "party"], name="one_answer_per_party")
        ]
