"""Outgoing e-mail (kept, so people can see what was sent) and in-portal notifications."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Email(models.Model):
    """One e-mail to one person, kept so people can see what was sent to them."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )
    to = models.EmailField(_("to"))
    cc = models.JSONField(_("copied to"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=250)
    body_text = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.subject} to {self.to}"


class NotificationKind(models.TextChoices):
    REVIEW_REQUESTED = "review_requested", _("Review requested")
    DECISION_MADE = "decision_made", _("Decision made")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    OUTCOME = "outcome", _("Outcome")
    REMINDER = "reminder", _("Reminder")
    ESCALATION = "escalation", _("Escalation")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    SIGNATURE_REQUESTED = "signature_requested", _("Signature requested")
    AGREEMENT = "agreement", _("Agreement")
    OTHER = "other", _("Other")


class Notification(models.Model):
    """A message to one person in the portal, usually with the e-mail that carried it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=NotificationKind.choices)
    title = models.CharField(max_length=250)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    email = models.ForeignKey(Email, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["user", "created_at"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            )
        ]

    def __str__(self):
        return self.title
