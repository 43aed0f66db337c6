"""Forms of the agreements app: one agreement's pages (signing, declining, verifying a PDF),
then recording an agreement signed outside the portal (the register's filters: filters.py).
Closing a review and answering when every party is asked to agree: lifecycle_forms.py."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from isf_portal.forms import GovukDateField, GovukForm
from organisations.models import Organisation

from . import external
from .register import Category

# --- One agreement: signing, declining, verifying --------------------------------------------


class SignForm(GovukForm):
    signature = forms.ChoiceField(
        label=gettext_lazy("Which signature are you giving?"),
        widget=forms.RadioSelect,
    )
    job_title = forms.CharField(
        label=gettext_lazy("Your job title"),
        max_length=150,
        help_text=gettext_lazy("It appears on the signature page beside your name."),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I have read the agreement and I am authorised to sign it for my organisation"
        ),
        error_messages={
            "required": gettext_lazy(
                "Confirm that you have read the agreement and are authorised to sign it"
            )
        },
    )
    password = forms.CharField(
        label=gettext_lazy("Your portal password"),
        help_text=gettext_lazy("Enter your password again to sign."),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    pdf_sha256 = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, owed, sso=False, **kwargs):
        super().__init__(*args, **kwargs)
        if sso:
            # They confirm by signing in again to their organisation's account instead.
            del self.fields["password"]
        self.fields["signature"].choices = [
            (o.key, f"{o.party.name}: {o.capacity_label}") for o in owed
        ]
        if len(owed) == 1:
            # One signature to give: no question to ask.
            self.fields["signature"].widget = forms.HiddenInput()
            self.fields["signature"].initial = owed[0].key


class DeclineForm(GovukForm):
    reason = forms.CharField(
        label=gettext_lazy("Why are you not signing?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "The proposal goes back to its authors with this reason, and every party sees it."
        ),
    )


class VerifyForm(GovukForm):
    pdf = forms.FileField(
        label=gettext_lazy("Upload the PDF to check"),
        error_messages={"required": gettext_lazy("Select the PDF to check")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pdf"].help_text = _("A PDF of an agreement, up to %(size)s.") % {
            "size": filesizeformat(settings.AGREEMENT_VERIFY_MAX_BYTES)
        }
        self.fields["pdf"].widget.attrs.update(
            {"accept": "application/pdf,.pdf", "aria-describedby": "id_pdf-hint"}
        )

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        limit = settings.AGREEMENT_VERIFY_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The PDF must be smaller than %(size)s") % {"size": filesizeformat(limit)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The selected file is empty"))
        return upload


# --- The register (its filters: filters.py) ------------------------------------------------
class ExternalAgreementForm(GovukForm):
    """Record an agreement signed outside the portal."""

    messages = {
        "organisation": (
            gettext_lazy("Select the organisation you are recording it for"),
            gettext_lazy("The organisation"),
        ),
    }

    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Which organisation are you recording it for?"),
        queryset=Organisation.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )
    title = forms.CharField(label=gettext_lazy("Title of the agreement"), max_length=200)
    parties = forms.ModelMultipleChoiceField(
        label=gettext_lazy("The other organisations that signed it"),
        help_text=gettext_lazy(
            "Select every other party on the portal. Your organisation is included."
        ),
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy(
                "Select at least one other organisation that signed the agreement"
            )
        },
    )
    start_date = GovukDateField(
        label=gettext_lazy("Start date"),
        help_text=gettext_lazy("The date the agreement came into force. For example, 1 4 2024"),
    )
    end_date = GovukDateField(
        label=gettext_lazy("End date"),
        help_text=gettext_lazy("Leave empty if it runs until it is ended."),
        required=False,
    )
    review_date = GovukDateField(
        label=gettext_lazy("Review date"),
        help_text=gettext_lazy("The date the parties next review it. For example, 1 4 2026"),
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Does it cover special category or criminal offence data?"),
        help_text=gettext_lazy("Leave both empty if it covers other personal data only."),
        choices=[
            (Category.SPECIAL, gettext_lazy("Special category data (UK GDPR Article 9)")),
            (Category.CRIMINAL, gettext_lazy("Criminal offence data (UK GDPR Article 10)")),
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    pdf = forms.FileField(
        label=gettext_lazy("The signed agreement"),
        help_text=gettext_lazy("A PDF, 20 MB or smaller."),
        widget=forms.FileInput(attrs={"accept": "application/pdf,.pdf"}),
        error_messages={"required": gettext_lazy("Select the signed agreement's PDF")},
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        field.error_messages["required"] = _("Select the organisation you are recording it for")
        field.error_messages["invalid_choice"] = field.error_messages["required"]
        if len(organisations) == 1:
            field.initial = organisations[0].pk
            field.widget = forms.HiddenInput()
        self.fields["start_date"].error_messages["required"] = _("Enter the start date")
        self.fields["review_date"].error_messages["required"] = _("Enter the review date")

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        problem = external.pdf_problem(upload)
        if problem:
            raise forms.ValidationError(problem)
        return upload

    def clean(self):
        data = super().clean()
        organisation, parties = data.get("organisation"), data.get("parties")
        if organisation and parties is not None and not parties.exclude(pk=organisation.pk):
            self.add_error("parties", self.fields["parties"].error_messages["required"])
        if data.get("start_date") and data.get("review_date"):
            problems = external.date_problems(
                start_date=data["start_date"],
                end_date=data.get("end_date"),
                review_date=data["review_date"],
            )
            for name, message in problems.items():
                self.add_error(name, message)
        if self.errors and "pdf" not in self.errors and self.files.get("pdf"):
            # A browser never re-fills a file input: say so rather than lose it silently.
            self.add_error("pdf", _("Select the PDF again: files are not kept after an error"))
        return data
