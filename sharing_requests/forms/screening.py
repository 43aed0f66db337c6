"""The DPIA screening and the DPIA itself: the screening's indicators are a checklist and the
DPIA an upload, so these keep their own forms; the reference's wording is declared in
questions.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from isf_portal import uploads
from isf_portal.forms import GovukForm

from ..choices import DPIA_INDICATORS
from ..completeness import dpia_contradiction
from ..questions import question
from .base import RevisionMixin

DPIA_MAX_BYTES = 10 * 1024 * 1024

NONE_OF_THESE = "none"


class ScreeningForm(RevisionMixin, GovukForm):
    indicators = forms.MultipleChoiceField(
        label=_("Which of these apply to the sharing?"),
        help_text=_(
            "These are the ICO's indicators of high-risk processing. Select all that apply."
        ),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select which indicators apply, or select 'None of these'")},
    )

    def __init__(self, *args, shown=None, **kwargs):
        """`shown`: the indicators the proposal's answers already show (completeness.
        dpia_indicators_shown), pre-ticked with the reason in their hint, and required."""
        super().__init__(*args, **kwargs)
        self.shown = shown or {}
        field = self.fields["indicators"]
        field.choices = [(key, label) for key, label, _hint, _d in DPIA_INDICATORS] + [
            (NONE_OF_THESE, _("None of these"))
        ]
        field.choice_hints = {key: str(hint) for key, _label, hint, _d in DPIA_INDICATORS if hint}
        for key, items in self.shown.items():
            because = _("Your data items show this: %(items)s.") % {"items": ", ".join(items)}
            field.choice_hints[key] = f"{field.choice_hints.get(key, '')} {because}".strip()

    def clean_indicators(self):
        chosen = self.cleaned_data["indicators"]
        if NONE_OF_THESE in chosen and len(chosen) > 1:
            raise forms.ValidationError(
                _("Select the indicators that apply, or 'None of these', not both")
            )
        chosen = [c for c in chosen if c != NONE_OF_THESE]
        contradiction = dpia_contradiction(chosen, self.shown)
        if contradiction:
            raise forms.ValidationError(contradiction)
        return chosen


class DpiaForm(RevisionMixin, GovukForm):
    dpia_reference = forms.CharField(
        label=question("dpia_reference").label,
        max_length=100,
        required=question("dpia_reference").required,
        help_text=question("dpia_reference").hint,
    )
    dpia_file = forms.FileField(
        label=_("Attach the DPIA"),
        required=False,
        help_text=_("A PDF or Word (.docx) file, 10 MB or smaller."),
    )

    def __init__(self, *args, has_file=False, **kwargs):
        self.has_file = has_file
        super().__init__(*args, **kwargs)

    def clean_dpia_file(self):
        upload = self.cleaned_data.get("dpia_file")
        if not upload:
            return None
        if upload.size > DPIA_MAX_BYTES:
            raise forms.ValidationError(_("The DPIA must be 10 MB or smaller"))
        try:
            kind = uploads.checked_kind(upload, kinds=(uploads.PDF, uploads.DOCX))
        except uploads.UploadRefused as refusal:
            if refusal.code == "kind":
                raise forms.ValidationError(
                    _("The DPIA must be a PDF or a Word (.docx) file")
                ) from None
            raise forms.ValidationError(refusal.message) from None
        upload.isf_extension = kind
        return upload

    def clean(self):
        data = super().clean()
        if (
            not self.errors
            and not data.get("dpia_reference")
            and not data.get("dpia_file")
            and (not self.has_file)
        ):
            self.add_error("dpia_reference", _("Enter the DPIA reference or attach the DPIA"))
        return data
