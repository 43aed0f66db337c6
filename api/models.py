"""Access tokens for the partner API, and the record of every write made through it."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(models.Model):
    """A personal access token (acting as its owner) or an organisation's service token
    (acting as the service account `user`, a member of `organisation` only). The secret is
    shown once; only its SHA-256 is kept, beside a visible prefix to tell tokens apart."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="service_tokens",
        help_text=_("Set for a service token: the organisation its service account acts for."),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=10, choices=TokenScope.choices, default=TokenScope.READ)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_service(self) -> bool:
        return self.organisation_id is not None

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def can_write(self) -> bool:
        return self.scope == TokenScope.WRITE


class ApiWrite(models.Model):
    """One write made through the API: which token (by name), as whom, what and on what."""

    token = models.ForeignKey(ApiToken, null=True, on_delete=models.SET_NULL, related_name="+")
    token_name = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=50)
    target = models.CharField(max_length=50)
    at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.action} {self.target} ({self.token_name})"


class WebhookEndpoint(models.Model):
    """An HTTPS address an organisation's admins subscribed to the events that concern the
    organisation. Paused after repeated failed deliveries, until an admin resumes it."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, related_name="webhooks"
    )
    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(max_length=100)  # "whsec_…", the Standard Webhooks key
    events = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    failures_in_a_row = models.PositiveIntegerField(default=0)
    # seed_demo's endpoints (on a reserved domain): shown with their log, never sent to.
    demo = models.BooleanField(default=False, editable=False)

    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint, kept with its attempts (not purged with the outbox)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Failed")

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    message_id = models.CharField(max_length=40, unique=True)
    event = models.CharField(max_length=50)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    # When it was last handed to the outbox (created or re-sent): its tries count from here.
    queued_at = models.DateTimeField(default=timezone.now)

    # Who re-sent it and when, delivered or given up: the payload never changes.
    history = HistoricalRecords(excluded_fields=["payload"])

    class Meta:
        ordering = ["-created_at", "-pk"]


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempts")
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
