"""Proposals to share personal data, in the seven stages of the GM Information Sharing
Framework, with their vision statements, partners' comments and frozen versions."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase
from simple_history.models import HistoricalRecords

from isf_portal.audit_chain import HEAD_FIELDS, ChainHead

from ..choices import (
    EDITABLE_STATUSES,
    Annex1Condition,
    Article6,
    Article9,
    ConfidentialityBasis,
    ControllerRole,
    DataCategory,
    Direction,
    EndOfSharing,
    Frequency,
    Identifiability,
    OptOut,
    PartyRole,
    ProposalStatus,
    ReviewFrequency,
    Schedule1Condition,
    Section,
    SectionStatus,
)
from ..vision import assemble

User = settings.AUTH_USER_MODEL


class ReferenceCounter(models.Model):
    """The last number used for each prefix and year: references are never reused."""

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")
        ]


class Proposal(ChainHead):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    lead_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="led_proposals"
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=20, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now_add=True, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # 1. Purpose
    title = models.CharField(_("title"), max_length=200)
    problem = models.TextField(_("the problem to solve"), max_length=5000, blank=True)
    benefits = models.TextField(_("expected benefits"), max_length=5000, blank=True)
    # 2. Needs
    data_subjects = models.TextField(_("whose data"), max_length=2000, blank=True)
    # 4. Practical steps (proposal-wide answers; each party's bases are LawfulBasis rows)
    confidentiality_basis = models.CharField(
        _("common-law duty of confidentiality basis"),
        max_length=30,
        choices=ConfidentialityBasis.choices,
        blank=True,
    )
    national_data_opt_out = models.CharField(
        _("national data opt-out"), max_length=20, choices=OptOut.choices, blank=True
    )
    dpia_screened = models.BooleanField(default=False)
    dpia_indicators = models.JSONField(_("DPIA screening answers"), default=list, blank=True)
    dpia_reference = models.CharField(_("DPIA reference"), max_length=100, blank=True)
    dpia_file = models.FileField(_("DPIA document"), upload_to="dpia/%Y/", blank=True)
    dpia_file_name = models.CharField(max_length=200, blank=True)
    # 5. How
    transfer_method = models.TextField(_("how the data moves"), max_length=3000, blank=True)
    frequency = models.CharField(
        _("how often"), max_length=20, choices=Frequency.choices, blank=True
    )
    security_measures = models.TextField(_("security measures"), max_length=3000, blank=True)
    access_controls = models.TextField(_("who has access"), max_length=3000, blank=True)
    storage_location = models.TextField(_("where it is stored"), max_length=2000, blank=True)
    # 6. Review
    review_date = models.DateField(_("first review date"), null=True, blank=True)
    review_frequency = models.CharField(
        _("review frequency"), max_length=4, choices=ReviewFrequency.choices, blank=True
    )
    success_measures = models.TextField(_("how success is measured"), max_length=3000, blank=True)
    # 7. Exit planning
    start_date = models.DateField(_("sharing starts"), null=True, blank=True)
    end_date = models.DateField(_("sharing ends"), null=True, blank=True)
    retention = models.TextField(_("retention"), max_length=3000, blank=True)
    end_of_sharing = models.CharField(
        _("at the end"), max_length=20, choices=EndOfSharing.choices, blank=True
    )
    early_termination = models.TextField(
        _("what ends the sharing early"), max_length=3000, blank=True
    )

    history = HistoricalRecords(excluded_fields=HEAD_FIELDS)

    class Meta:
        ordering = ["-last_activity_at"]
        permissions = [("comment_proposal", "Can comment on and endorse a proposal")]
        indexes = [models.Index(fields=["lead_organisation", "status"])]

    def __str__(self):
        return f"{self.reference}: {self.title}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class ProposalGroupObjectPermission(GroupObjectPermissionBase):
    """Direct foreign key for django-guardian: fast joins on the dashboard."""

    content_object = models.ForeignKey(Proposal, on_delete=models.CASCADE)


class SectionState(models.Model):
    """A section's status, and a revision number that catches concurrent saves."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="sections")
    section = models.CharField(max_length=20, choices=Section.choices)
    status = models.CharField(
        max_length=20, choices=SectionStatus.choices, default=SectionStatus.NOT_STARTED
    )
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "section"], name="section_state_unique")
        ]


class VisionStatement(models.Model):
    """'For ‹who› who ‹need›, ‹proposal› will ‹outcome› by sharing ‹what› between ‹whom›.
    Unlike ‹today›, it will ‹benefit›.' Every saved version is kept."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="vision")
    for_who = models.CharField(_("who it is for"), max_length=300, blank=True)
    need = models.CharField(_("their need"), max_length=300, blank=True)
    proposal_name = models.CharField(_("what the proposal is called"), max_length=200, blank=True)
    outcome = models.CharField(_("the outcome"), max_length=300, blank=True)
    data_shared = models.CharField(_("what data"), max_length=300, blank=True)
    between_whom = models.CharField(_("between whom"), max_length=300, blank=True)
    today = models.CharField(_("how it is done today"), max_length=300, blank=True)
    benefit = models.CharField(_("the benefit"), max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    PARTS = [
        "for_who",
        "need",
        "proposal_name",
        "outcome",
        "data_shared",
        "between_whom",
        "today",
        "benefit",
    ]

    def __str__(self):
        return self.text

    @property
    def is_complete(self) -> bool:
        return all(getattr(self, part).strip() for part in self.PARTS)

    @property
    def text(self) -> str:
        return assemble({part: getattr(self, part) for part in self.PARTS})


class MeasurableOutcome(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="outcomes")
    description = models.CharField(_("outcome"), max_length=300)
    measure = models.CharField(_("how it is measured"), max_length=300)
    baseline = models.CharField(_("baseline"), max_length=200, blank=True)
    target = models.CharField(_("target"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.description


class DataItem(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="data_items")
    name = models.CharField(_("data item"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=DataCategory.choices)
    identifiability = models.CharField(
        _("how identifiable"), max_length=20, choices=Identifiability.choices
    )
    is_health_or_care = models.BooleanField(_("health or care data"), default=False)
    necessity = models.TextField(_("why it is necessary"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        # The proposals holding data of a category (insight's data filter), read from the
        # index alone instead of every proposal's data items.
        indexes = [models.Index(fields=["category", "proposal"], name="dataitem_category")]

    def __str__(self):
        return self.name


class Participant(models.Model):
    """An organisation taking part: the lead organisation is one too."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="participants")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="participations"
    )
    is_lead = models.BooleanField(default=False)
    # Blank only for the lead organisation until the Who section is answered.
    role = models.CharField(
        _("role in the sharing"), max_length=20, choices=PartyRole.choices, blank=True
    )
    controller_role = models.CharField(
        _("controller role"), max_length=20, choices=ControllerRole.choices, blank=True
    )
    contact_name = models.CharField(_("contact's name"), max_length=150)
    contact_email = models.EmailField(_("contact's e-mail address"))
    added_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_lead", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "organisation"], name="participant_unique"),
            models.UniqueConstraint(
                fields=["proposal"], condition=models.Q(is_lead=True), name="one_lead"
            ),
        ]

    def __str__(self):
        return str(self.organisation)

    @property
    def directions(self) -> list[str]:
        return {
            PartyRole.PROVIDER: [Direction.DISCLOSING],
            PartyRole.RECIPIENT: [Direction.RECEIVING],
            PartyRole.BOTH: [Direction.DISCLOSING, Direction.RECEIVING],
        }.get(self.role, [])


class LawfulBasis(models.Model):
    """One party's basis for disclosing (as provider) or receiving and using (as recipient)."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="lawful_bases"
    )
    direction = models.CharField(max_length=20, choices=Direction.choices)
    article6 = models.CharField(
        _("UK GDPR Article 6 basis"), max_length=4, choices=Article6.choices
    )
    annex1_condition = models.CharField(
        _("Annex 1 condition"), max_length=30, choices=Annex1Condition.choices, blank=True
    )
    legal_power = models.CharField(
        _("legal power or statutory gateway"), max_length=300, blank=True
    )
    article9 = models.CharField(
        _("Article 9 condition"), max_length=2, choices=Article9.choices, blank=True
    )
    schedule1 = models.CharField(
        _("DPA 2018 Schedule 1 condition"),
        max_length=8,
        choices=Schedule1Condition.choices,
        blank=True,
    )
    criminal_schedule1 = models.CharField(
        _("Schedule 1 condition for criminal offence data"),
        max_length=8,
        choices=Schedule1Condition.choices,
        blank=True,
    )
    law_enforcement = models.BooleanField(
        _("shares for law enforcement purposes under DPA 2018 Part 3"), default=False
    )
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["participant", "direction"], name="lawful_basis_unique")
        ]


class Action(models.Model):
    """Something to do before the sharing starts (privacy notices, a DPIA...), with an owner."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(_("action"), max_length=300)
    owner_name = models.CharField(_("owner"), max_length=150)
    owner_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("due by"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the owner's organisation when the action is done (services.action_mark).
    done_at = models.DateTimeField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        # A governance officer's home lists the open actions of their organisation's proposals.
        indexes = [
            models.Index(
                fields=["proposal"], condition=models.Q(done_at__isnull=True), name="action_open"
            )
        ]

    def __str__(self):
        return self.description


class VisionComment(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(_("comment"), max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]


class Endorsement(models.Model):
    """A partner organisation's person endorsing the vision statement as it stood."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="endorsements")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    statement = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "user", "organisation"], name="endorsement_unique"
            )
        ]


class ProposalVersion(models.Model):
    """The proposal frozen at submission: what reviewers decide on and the agreement uses."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="version_unique")
        ]
