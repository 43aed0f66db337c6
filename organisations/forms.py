from django import forms
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from isf_portal.forms import GovukDateField, GovukForm, GovukFormMixin, GovukModelForm
from notifications.services import email_send

from .models import ROLE_HINTS, DsptStatus, Organisation, Role, User
from .permissions import Action, holders
from .services import EDITABLE_ORGANISATION_FIELDS


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Roles"))
        kwargs.setdefault("choices", Role.choices)
        super().__init__(**kwargs)
        self.choice_hints = {role.value: str(hint) for role, hint in ROLE_HINTS.items()}


class OrganisationDetailsForm(GovukModelForm):
    input_widths = {"ico_registration_number": 10, "ods_code": 10, "short_name": 20}

    class Meta:
        model = Organisation
        # The fields organisation_update will change: one list, so the form offers no more.
        fields = EDITABLE_ORGANISATION_FIELDS
        help_texts = {
            "short_name": _("Used where space is short, for example GMFRS or MFT."),
            "ico_registration_number": _(
                "From the ICO register of fee payers: Z and 7 digits, or Z, a letter and 6 "
                "digits. For example, Z1234567 or ZA123456."
            ),
            "ods_code": _("NHS and care organisations only. For example, R0A."),
            "ig_mailbox": _("We copy this mailbox on every notification to your organisation."),
            "dspt_status": _("Your latest Data Security and Protection Toolkit publication."),
        }
        widgets = {"dspt_status": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dspt_status"].choices = DsptStatus.choices
        self.fields["dspt_status"].required = self.instance.reports_dspt

    def clean_ico_registration_number(self):
        return self.cleaned_data["ico_registration_number"].strip().upper()

    def clean_ods_code(self):
        return self.cleaned_data["ods_code"].strip().upper()


class InvitationForm(GovukForm):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("Their work e-mail address. We send the invitation there."),
    )
    roles = RolesField(help_text=_("Select all that apply. You can change them later."))


class MembershipRolesForm(GovukForm):
    roles = RolesField(
        required=False,
        help_text=_(
            "Select all that apply. Someone with no roles can only read: the proposals and "
            "agreements, and the signed PDF of an agreement."
        ),
    )


class SignInForm(GovukFormMixin, AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput,
        help_text=_(
            "If your organisation lets you sign in with your work account, you do not need "
            "a password: enter your e-mail address and select Sign in."
        ),
    )
    error_messages = {
        "invalid_login": _(
            "Enter a correct e-mail address and password. Both may be case-sensitive."
        ),
        "inactive": _("This account has been switched off. Contact your organisation admin."),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"

    def clean_username(self):
        # Addresses sign in whatever their case, so the throttle (django-axes, keyed on the
        # username it is given) must see one spelling: else each spelling gets its own tries.
        return self.cleaned_data["username"].lower()


class PortalPasswordResetForm(GovukFormMixin, PasswordResetForm):
    email = forms.EmailField(label=_("E-mail address"), max_length=254)

    def save(self, **kwargs):
        """Queue the reset link through the outbox like every other e-mail.

        Django's own save() sends synchronously; a slow mail server must never block a page.
        Addresses with no active account get nothing, and the page says the same either way.
        """
        for user in self.get_users(self.cleaned_data["email"]):
            uid = urlsafe_base64_encode(force_bytes(user.pk))
            token = default_token_generator.make_token(user)
            path = reverse("accounts:password-reset-confirm", args=[uid, token])
            email_send(
                to=user.email,
                subject=str(_("Reset your password")),
                template="password_reset",
                context={"user": user, "reset_url": settings.SITE_URL + path},
                recipient=user,
            )


class PortalSetPasswordForm(GovukFormMixin, SetPasswordForm):
    pass


class AcceptInvitationForm(GovukForm):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    job_title = forms.CharField(
        label=_("Job title"),
        max_length=150,
        help_text=_("Shown beside your name on decisions and signatures."),
    )
    password1 = forms.CharField(
        label=_("Create a password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. Avoid common words and passwords."),
    )
    password2 = forms.CharField(
        label=_("Confirm your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The passwords do not match"))
        elif p1:
            try:
                password_validation.validate_password(
                    p1, User(email=self.email, full_name=data.get("full_name", ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class DelegationForm(GovukForm):
    delegate = forms.ModelChoiceField(
        queryset=User.objects.none(),
        label=_("Who will decide for you?"),
        empty_label=_("Choose a colleague"),
        help_text=_(
            "A colleague at your organisation who is not an approver. Their decisions "
            "are recorded as made on your behalf."
        ),
    )
    starts_on = GovukDateField(label=_("From"), help_text=_("For example, 1 12 2026"))
    ends_on = GovukDateField(label=_("Until"), help_text=_("The last day they can decide."))

    def __init__(self, *args, organisation, approver, **kwargs):
        super().__init__(*args, **kwargs)
        # Colleagues the DEPUTISE row allows (not read-only members) who could not delegate
        # themselves: those who can need no delegation.
        self.fields["delegate"].queryset = (
            User.objects.filter(
                pk__in=holders(Action.DEPUTISE, organisation).values("user_id"), is_active=True
            )
            .exclude(pk__in=holders(Action.DELEGATE, organisation).values("user_id"))
            .exclude(pk=approver.pk)
            .order_by("full_name")
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and start < timezone.localdate():
            self.add_error("starts_on", _("The start date must be today or in the future"))
        if start and end and end < start:
            self.add_error("ends_on", _("The end date must be on or after the start date"))
        return data
