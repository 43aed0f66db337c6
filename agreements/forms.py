"""Forms of the agreement documents pages: signing, declining, verifying a PDF."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from isf_portal.forms import GovukForm


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

    def __init__(self, *args, owed, **kwargs):
        super().__init__(*args, **kwargs)
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
