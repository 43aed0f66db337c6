"""Decision rounds (ReviewRound and what hangs off it): every participating organisation
decides once, and the steering group votes when the round's rule asks for it, on one frozen
version of a proposal. The rule itself is sharing_requests.rounds.rule."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

__all__ = [
    "DecisionStatus",
    "OrganisationDecision",
    "ReminderLog",
    "ReviewRound",
    "RoundOutcome",
    "SteeringVote",
    "VoteChoice",
]

User = settings.AUTH_USER_MODEL


class RoundOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DecisionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    APPROVED = "approved", _("Approved")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    DECLINED = "declined", _("Declined")


class VoteChoice(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Do not approve")


class ReviewRound(models.Model):
    proposal = models.ForeignKey(
        "requests.Proposal", on_delete=models.CASCADE, related_name="rounds"
    )
    version = models.OneToOneField(
        "requests.ProposalVersion", on_delete=models.PROTECT, related_name="round"
    )
    number = models.PositiveIntegerField()
    opened_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateField(help_text=_("The steering group's vote closes by this date."))
    rule = models.JSONField(help_text=_("The decision rule in force when the round opened."))
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=RoundOutcome.choices, blank=True)
    steering_outcome = models.CharField(max_length=20, choices=VoteChoice.choices, blank=True)
    # Working days from opening to closing (sharing_requests.workdays.working_days_from),
    # kept when the round closes: the insight figures read it over every round.
    days_open = models.PositiveIntegerField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="round_number_unique"),
            models.UniqueConstraint(
                fields=["proposal"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_round",
            ),
        ]

    def __str__(self):
        return f"{self.proposal.reference} round {self.number}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class OrganisationDecision(models.Model):
    """One participating organisation's decision in a round, made by its approver (or a
    delegate). The unique constraint is what makes 'decides once' true under concurrency."""

    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="decisions")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="decisions"
    )
    status = models.CharField(
        max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.PENDING
    )
    comment = models.TextField(_("reason or comment"), max_length=5000, blank=True)
    sections = models.JSONField(_("sections the changes concern"), default=list, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    on_behalf_of = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The approver whose delegation the decider used."),
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Working days from the round's opening to the decision (workdays.working_days_from),
    # kept when it is made: the insight figures read it over every decision.
    days_to_decide = models.PositiveIntegerField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organisation"], name="one_decision_per_organisation"
            )
        ]
        # Pending decisions are a small, hot part of a large table: home asks for an
        # organisation's, the steering list for a round's.
        indexes = [
            models.Index(
                fields=["organisation"],
                condition=models.Q(status="pending"),
                name="decision_pending_by_org",
            ),
            models.Index(
                fields=["round"],
                condition=models.Q(status="pending"),
                name="decision_pending_by_round",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} on {self.round}"


class SteeringVote(models.Model):
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    vote = models.CharField(max_length=10, choices=VoteChoice.choices)
    comment = models.TextField(max_length=5000, blank=True)
    is_chair = models.BooleanField(default=False)
    voted_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["voted_at"]
        constraints = [
            models.UniqueConstraint(fields=["round", "member"], name="one_vote_per_member")
        ]


class ReminderLog(models.Model):
    """Who was reminded of what on which day: nobody is reminded twice for a step a day."""

    KINDS = [("reminder", "Reminder"), ("escalation", "Escalation")]

    decision = models.ForeignKey(
        OrganisationDecision, on_delete=models.CASCADE, related_name="reminders"
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=KINDS)
    sent_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "user", "kind", "sent_on"], name="reminder_once_a_day"
            )
        ]
