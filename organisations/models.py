"""Organisations, the people in them and the roles they hold, and the steering group."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

ico_registration_number_validator = RegexValidator(
    r"^Z(?:\d{7}|[A-Z]\d{6})$",
    _("Enter an ICO registration number in the correct format, like Z1234567 or ZA123456"),
)
ods_code_validator = RegexValidator(
    r"^[A-Z0-9]{3,6}$",
    _("Enter an ODS code of 3 to 6 capital letters and numbers, like R0A or QOP"),
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **fields):
        if not email:
            raise ValueError("Users need an e-mail address")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Signs in with their e-mail address."""

    email = models.EmailField(_("e-mail address"), unique=True, max_length=254)
    full_name = models.CharField(_("full name"), max_length=150)
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        _("portal administrator"),
        default=False,
        help_text=_("Can sign in to the portal's administration (Django admin)."),
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name"]
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Sector(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    COMBINED_AUTHORITY = "combined_authority", _("Combined authority")
    TRANSPORT = "transport", _("Transport")
    FIRE_AND_RESCUE = "fire_and_rescue", _("Fire and rescue")
    POLICE = "police", _("Police")
    PROBATION = "probation", _("Probation")
    NHS = "nhs", _("NHS")
    HOUSING = "housing", _("Housing")
    HEALTHWATCH = "healthwatch", _("Healthwatch")
    VCFSE = "vcfse", _("Voluntary, community, faith and social enterprise (VCFSE)")
    OTHER = "other", _("Other")


# Sectors that hold health or care records and so report a DSPT status.
HEALTH_AND_CARE_SECTORS = {Sector.NHS, Sector.LOCAL_AUTHORITY}


class DsptStatus(models.TextChoices):
    EXCEEDED = "exceeded", _("Standards exceeded")
    MET = "met", _("Standards met")
    APPROACHING = "approaching", _("Approaching standards")
    NOT_MET = "not_met", _("Standards not met")
    NOT_PUBLISHED = "not_published", _("Not yet published")


class Organisation(models.Model):
    """A public body or partner that proposes, approves and signs data sharing."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    short_name = models.CharField(_("short name"), max_length=40)
    slug = models.SlugField(max_length=60, unique=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    ico_registration_number = models.CharField(
        _("ICO registration number"),
        max_length=8,
        validators=[ico_registration_number_validator],
    )
    ods_code = models.CharField(
        _("NHS ODS code"), max_length=6, blank=True, validators=[ods_code_validator]
    )
    dpo_name = models.CharField(_("data protection officer's name"), max_length=150)
    dpo_email = models.EmailField(_("data protection officer's e-mail address"))
    ig_mailbox = models.EmailField(
        _("information governance team's shared mailbox"),
        blank=True,
        help_text=_("Copied on every notification to the organisation."),
    )
    dspt_status = models.CharField(
        _("Data Security and Protection Toolkit status"),
        max_length=20,
        choices=DsptStatus.choices,
        blank=True,
    )
    requires_caldicott_signature = models.BooleanField(
        _("agreements also need the Caldicott Guardian's signature"),
        default=False,
        help_text=_("Health and care partners: the Caldicott Guardian signs beside the SIRO."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def reports_dspt(self) -> bool:
        return self.sector in HEALTH_AND_CARE_SECTORS


class Role(models.TextChoices):
    """What a membership lets a person do for their organisation."""

    MEMBER = "member", _("Member")
    APPROVER = "approver", _("Approver")
    SIGNATORY = "signatory", _("Signatory")
    GOVERNANCE_OFFICER = "governance_officer", _("Governance officer")
    ORG_ADMIN = "org_admin", _("Organisation admin")


ROLE_HINTS = {
    Role.MEMBER: _(
        "Drafts and submits proposals, invites partners, answers change requests; for its "
        "organisation's own proposals, downloads the DPIA and the draft agreement."
    ),
    Role.APPROVER: _(
        "Decides for the organisation on proposals it takes part in; downloads their DPIAs "
        "and draft agreements."
    ),
    Role.SIGNATORY: _(
        "Signs agreements for the organisation (SIRO, Caldicott Guardian), downloads their "
        "drafts and DPIAs, and agrees for it to end or vary an agreement."
    ),
    Role.GOVERNANCE_OFFICER: _(
        "Sees all the organisation's proposals and agreements, downloads their drafts and "
        "DPIAs, agrees for it to end or vary an agreement and sees who downloaded it."
    ),
    Role.ORG_ADMIN: _("Invites colleagues, assigns roles and keeps the organisation's details."),
}


class RoleFields(models.Model):
    """One boolean a role: several roles per person, and queries that work on every database."""

    is_member = models.BooleanField(_("member"), default=True)
    is_approver = models.BooleanField(_("approver"), default=False)
    is_signatory = models.BooleanField(_("signatory"), default=False)
    is_governance_officer = models.BooleanField(_("governance officer"), default=False)
    is_org_admin = models.BooleanField(_("organisation admin"), default=False)

    class Meta:
        abstract = True

    @property
    def roles(self) -> list[Role]:
        return [role for role in Role if getattr(self, f"is_{role.value}")]

    def set_roles(self, roles) -> None:
        chosen = {Role(r) for r in roles}
        for role in Role:
            setattr(self, f"is_{role.value}", role in chosen)

    @property
    def role_labels(self) -> list[str]:
        return [str(role.label) for role in self.roles] or [str(_("Read only"))]


class SignatoryCapacity(models.TextChoices):
    SIRO = "siro", _("Senior Information Risk Owner (SIRO) or authorised signatory")
    CALDICOTT = "caldicott", _("Caldicott Guardian")


class Membership(RoleFields):
    """A person's place in an organisation, with the roles they hold there."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    signatory_capacity = models.CharField(
        _("signs as"),
        max_length=20,
        choices=SignatoryCapacity.choices,
        default=SignatoryCapacity.SIRO,
        help_text=_("For signatories: the signature they give on agreements."),
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["organisation__name", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique")
        ]

    def __str__(self):
        return f"{self.user} at {self.organisation}"


class Invitation(RoleFields):
    """An e-mailed, single-use, expiring invitation to join an organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail address"))
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["token_hash"])

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One open invitation per address and organisation.
            models.UniqueConstraint(
                Lower("email"),
                "organisation",
                condition=models.Q(accepted_at__isnull=True, cancelled_at__isnull=True),
                name="invitation_open_unique",
            )
        ]

    def __str__(self):
        return f"Invitation for {self.email} to {self.organisation}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at


class SteeringGroupMember(models.Model):
    """A seat on the GM information sharing steering group; one seat may be the chair."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="steering_seat")
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="steering_seats",
        help_text=_("The organisation the member represents on the steering group."),
    )
    is_chair = models.BooleanField(_("chair"), default=False)
    joined_on = models.DateField(default=timezone.localdate)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-is_chair", "user__full_name"]
        verbose_name = _("steering group member")
        constraints = [
            models.UniqueConstraint(
                fields=["is_chair"], condition=models.Q(is_chair=True), name="one_chair"
            )
        ]

    def __str__(self):
        return f"{self.user} ({'chair' if self.is_chair else 'member'})"


class Delegation(models.Model):
    """An approver lets a named colleague of the same organisation decide for a period."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="delegations"
    )
    approver = models.ForeignKey(User, on_delete=models.CASCADE, related_name="delegations_given")
    delegate = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="delegations_received"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="delegation_dates_in_order",
            )
        ]

    def __str__(self):
        return f"{self.approver} to {self.delegate} for {self.organisation}"


class IdentityProvider(models.Model):
    """An organisation's OpenID Connect identity provider (Microsoft Entra ID or another).

    People whose e-mail domain is in `email_domains` sign in there instead of with a password.
    """

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="identity_provider"
    )
    issuer = models.URLField(
        _("issuer URL"),
        help_text=_("For Entra ID: https://login.microsoftonline.com/<tenant id>/v2.0"),
    )
    client_id = models.CharField(_("client ID"), max_length=200)
    client_secret = models.CharField(_("client secret"), max_length=500)
    email_domains = models.CharField(
        _("e-mail domains it vouches for"),
        max_length=500,
        help_text=_("Separated by commas, like trafford.gov.uk, traffordcouncil.gov.uk"),
    )
    tenant_id = models.CharField(
        _("tenant ID (Entra ID)"),
        max_length=64,
        blank=True,
        help_text=_("The ID token's tid claim must carry this. Leave empty for other providers."),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    history = HistoricalRecords(excluded_fields=["client_secret"])

    def __str__(self):
        return f"{self.organisation} ({self.issuer})"

    @property
    def domains(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.email_domains.split(",") if d.strip()]

    @property
    def provider_id(self) -> str:
        return f"org-{self.organisation.slug}"


class SignInRefusal(models.Model):
    """The audit row of a single sign-on the portal refused."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    identity_provider = models.ForeignKey(
        IdentityProvider, null=True, blank=True, on_delete=models.SET_NULL
    )
    email = models.CharField(_("e-mail address"), max_length=254, blank=True)
    reason = models.CharField(_("reason"), max_length=40)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.reason}: {self.email or '-'}"
