"""Data-sharing agreements: generated from an approved proposal's frozen version, signed by
each party, sealed, and kept in a register with their review and end dates."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase
from simple_history.models import HistoricalRecords

from isf_portal.audit_chain import HEAD_FIELDS, ChainedEvent, ChainHead
from organisations.models import SignatoryCapacity

User = settings.AUTH_USER_MODEL


class ClauseTemplate(models.Model):
    """Standard wording of one agreement section, kept by portal administrators in Django
    admin. Each change raises `version`; agreements record the versions they used."""

    key = models.SlugField(unique=True, help_text=_("Which section of the agreement it fills."))
    title = models.CharField(max_length=200)
    body = models.TextField(help_text=_("Plain text; a blank line starts a new paragraph."))
    version = models.PositiveIntegerField(default=1, editable=False)
    order = models.PositiveIntegerField(default=0)
    notice_days = models.PositiveIntegerField(
        default=30,
        help_text=_(
            "Read from the termination clause only: the days of notice after every party "
            "agrees to end an agreement before it ends."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "key"]

    def __str__(self):
        return f"{self.title} (v{self.version})"


class AgreementStatus(models.TextChoices):
    GENERATING = "generating", _("Being prepared")
    AWAITING_SIGNATURES = "awaiting_signatures", _("Awaiting signatures")
    SEALING = "sealing", _("Being sealed")
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")
    SUPERSEDED = "superseded", _("Superseded by a new version")
    WITHDRAWN = "withdrawn", _("Withdrawn: sent back for changes")


class Agreement(ChainHead):
    reference = models.CharField(max_length=20, unique=True, editable=False)
    title = models.CharField(max_length=200)
    status = models.CharField(
        max_length=30, choices=AgreementStatus.choices, default=AgreementStatus.GENERATING
    )
    proposal = models.ForeignKey(
        "requests.Proposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
    )
    version = models.OneToOneField(
        "requests.ProposalVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreement",
    )
    previous = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="variations",
        help_text=_("The agreement this one varies (replaces)."),
    )
    # Signed outside the portal and recorded so the register is complete.
    is_external = models.BooleanField(default=False)
    # The generated document's content: parties as they were, sections, clause versions used.
    content = models.JSONField(default=dict, blank=True)
    has_special_category = models.BooleanField(default=False)
    has_criminal_offence = models.BooleanField(default=False)
    draft_pdf = models.FileField(upload_to="agreements/draft/%Y/", blank=True)
    draft_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    signed_pdf = models.FileField(upload_to="agreements/signed/%Y/", blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    sealing_certificate = models.ForeignKey(
        "SealingCertificate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    review_date = models.DateField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    # Its data items and legal gateways as one text, for the register's search by those who
    # may read the agreement (search.py). Derived from the frozen version, so not audited.
    search_detail = models.TextField(blank=True, editable=False)
    # Days of notice after every party agrees to end it (the termination clause's, copied at
    # generation so a later change to the clause library never changes an old agreement).
    notice_days = models.PositiveIntegerField(default=30)
    # Every party agreed to end it on this date; it stays active until then (the daily task).
    terminates_on = models.DateField(null=True, blank=True)
    # Every party agreed to publish it on the public register (publication.py); it is shown
    # there while it is active. Off (None) by default.
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)

    history = HistoricalRecords(excluded_fields=(*HEAD_FIELDS, "search_detail"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "review_date"])]

    def __str__(self):
        return f"{self.reference}: {self.title}"

    @property
    def status_label(self) -> str:
        """The status as people read it: an active agreement that every party agreed to end
        says when it ends."""
        if self.status == AgreementStatus.ACTIVE and self.terminates_on:
            return _("Ending on %(date)s") % {"date": date_format(self.terminates_on, "j F Y")}
        try:
            # The label straight from the choices: get_status_display rebuilds a dictionary
            # of them on each call, and the register shows a page of statuses.
            return AgreementStatus(self.status).label
        except ValueError:
            return self.get_status_display()


class AgreementGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Agreement, on_delete=models.CASCADE)


class AgreementParty(models.Model):
    """A party as it was when the agreement was generated: renames and mergers later never
    change what an old agreement says."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="agreement_parties"
    )
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40, blank=True)
    sector = models.CharField(max_length=100, blank=True)
    ico_registration_number = models.CharField(max_length=8, blank=True)
    dpo_name = models.CharField(max_length=150, blank=True)
    dpo_email = models.EmailField(blank=True)
    role = models.CharField(max_length=100, blank=True)
    controller_role = models.CharField(max_length=100, blank=True)
    is_lead = models.BooleanField(default=False)
    # The signatures this party owes, e.g. ["siro"] or ["siro", "caldicott"].
    required_signatures = models.JSONField(default=list)

    class Meta:
        ordering = ["-is_lead", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organisation"], name="agreement_party_unique"
            )
        ]

    def __str__(self):
        return self.name


class SignatureMethod(models.TextChoices):
    """How the signatory proved it was them when they signed."""

    PASSWORD = "password", _("Portal password entered again")
    SSO = "sso", _("Signed in again with their organisation's account")


class Signature(models.Model):
    """One signatory's signature for their organisation, over the exact PDF they saw."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="signatures")
    party = models.ForeignKey(AgreementParty, on_delete=models.PROTECT, related_name="signatures")
    capacity = models.CharField(max_length=20, choices=SignatoryCapacity.choices)
    signer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=150)
    job_title = models.CharField(max_length=150)
    organisation_name = models.CharField(max_length=200)
    # Stamped when the row is made (signature_record gives the moment it counts from).
    signed_at = models.DateTimeField(default=timezone.now, editable=False)
    pdf_sha256 = models.CharField(max_length=64)
    method = models.CharField(
        max_length=10, choices=SignatureMethod.choices, default=SignatureMethod.PASSWORD
    )
    # The organisation whose sign-in vouched for the signatory (single sign-on only).
    identity_provider_name = models.CharField(max_length=200, blank=True)
    # Working days from the agreement's preparation (its created_at) to this signature
    # (sharing_requests.workdays.working_days_from), kept when it is given: the insight
    # figures read it over every signature.
    days_to_sign = models.PositiveIntegerField(null=True, blank=True, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["signed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "party", "capacity"], name="one_signature_per_capacity"
            )
        ]


class SealingCertificate(models.Model):
    """Every certificate ever used to seal agreements, kept so old seals still verify."""

    subject = models.CharField(max_length=300)
    certificate_pem = models.TextField()
    fingerprint_sha256 = models.CharField(max_length=64, unique=True)
    not_before = models.DateTimeField()
    not_after = models.DateTimeField()
    is_current = models.BooleanField(default=False)
    generated_locally = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"],
                condition=models.Q(is_current=True),
                name="one_current_sealing_certificate",
            )
        ]

    def __str__(self):
        return self.subject


class AgreementEvent(ChainedEvent):
    """The agreement's readable timeline, hash-chained (isf_portal/audit_chain.py); written
    only by agreements/events.py."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=50)
    description = models.CharField(max_length=500)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "sequence"], name="agreement_event_sequence_unique"
            )
        ]


class AgreementDownload(models.Model):
    """Each download of a draft or signed PDF, recorded."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=[("draft", "Draft"), ("signed", "Signed")])
    sha256 = models.CharField(max_length=64)
    downloaded_at = models.DateTimeField(auto_now_add=True)


class ReviewOutcome(models.TextChoices):
    CONTINUE = "continue", _("Continue, with a new review date")
    VARY = "vary", _("Vary: a new version goes through review and signing")
    TERMINATE = "terminate", _("Terminate")


class AgreementReview(models.Model):
    """A party's review of an active agreement, ending in continue, vary or terminate."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reviews")
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    new_review_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_agreement_review",
            )
        ]


class OutcomeJudgement(models.TextChoices):
    MET = "met", _("Met")
    PARTLY_MET = "partly_met", _("Partly met")
    NOT_MET = "not_met", _("Not met")


class OutcomeUpdate(models.Model):
    """What one measurable outcome of the proposal's vision achieved, judged against its target
    at an agreement review (review set) or whenever the parties or the lead update it."""

    outcome = models.ForeignKey(
        "requests.MeasurableOutcome", on_delete=models.CASCADE, related_name="updates"
    )
    agreement = models.ForeignKey(
        Agreement, null=True, blank=True, on_delete=models.CASCADE, related_name="outcome_updates"
    )
    review = models.ForeignKey(
        AgreementReview,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outcome_updates",
    )
    achieved = models.CharField(_("what was achieved"), max_length=300)
    judgement = models.CharField(_("judgement"), max_length=20, choices=OutcomeJudgement.choices)
    evidence = models.TextField(_("evidence"), max_length=2000)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at", "-pk"]


class LifecycleReminder(models.Model):
    """A review-date reminder sent (60 or 14 days before): never sent twice."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    review_date = models.DateField()
    sent_on = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "days_before", "review_date"], name="lifecycle_reminder_once"
            )
        ]
