"""Forms of the proposal's pages of plain questions, built from their declarations in
questions.py (`page_form`), and the proposal's small forms (start, completion, comment,
withdrawal)."""

import functools

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from isf_portal.forms import GovukForm, GovukModelForm
from organisations.models import Organisation

from ..completeness import END_BEFORE_REVIEW
from ..models import VisionStatement
from .base import PageForm, RevisionMixin, page_meta


class StartForm(GovukForm):
    messages = {
        "lead_organisation": (_("Select the organisation leading this proposal"), None),
        "title": (_("Enter a title for the proposal"), _("The title")),
    }
    lead_organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        label=_("Which organisation is leading this proposal?"),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    title = forms.CharField(
        label=_("Proposal title"),
        max_length=200,
        help_text=_(
            "A short name people will recognise, for example 'Home fire safety visits for "
            "people receiving adult social care'."
        ),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead_organisation"].queryset = organisations
        if organisations.count() == 1:
            self.fields["lead_organisation"].widget = forms.HiddenInput()
            self.fields["lead_organisation"].initial = organisations.first().pk


class VisionForm(RevisionMixin, GovukModelForm):
    messages = {
        "for_who": (None, _("Who it is for")),
        "need": (None, _("Their need")),
        "proposal_name": (None, _("The proposal's name")),
        "outcome": (None, _("What it will achieve")),
        "data_shared": (None, _("What data will be shared")),
        "between_whom": (None, _("Between which organisations")),
        "today": (None, _("How it is done today")),
        "benefit": (None, _("The benefit over today")),
    }

    class Meta:
        model = VisionStatement
        fields = VisionStatement.PARTS
        labels = {
            "for_who": _("Who is it for?"),
            "need": _("What do they need?"),
            "proposal_name": _("What is the proposal called?"),
            "outcome": _("What will it achieve?"),
            "data_shared": _("What data will be shared?"),
            "between_whom": _("Between which organisations?"),
            "today": _("How is it done today?"),
            "benefit": _("What is the benefit over today?"),
        }
        help_texts = {
            "for_who": _("For example, 'older people receiving adult social care'."),
            "need": _("Starts after 'who'. For example, 'are at higher risk of fire at home'."),
            "proposal_name": _("For example, 'the home fire safety referral scheme'."),
            "outcome": _("Starts after 'will'. For example, 'prevent fires and deaths'."),
            "data_shared": _("For example, 'names, addresses and fire risk flags'."),
            "between_whom": _("For example, 'the ten councils and the fire and rescue service'."),
            "today": _("Starts after 'Unlike'. For example, 'today's ad hoc phone referrals'."),
            "benefit": _("Starts after 'it will'. For example, 'reach everyone at risk'."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every part is needed to complete the section, but a part-written statement saves.
        for field in self.fields.values():
            field.hide_optional = True


class ReviewForm(PageForm):
    page = "review"
    Meta = page_meta(page)

    def clean_review_date(self):
        value = self.cleaned_data["review_date"]
        if value and value <= timezone.localdate():
            raise forms.ValidationError(_("First review date must be in the future"))
        end = self.instance.end_date
        if value and end and end < value:
            raise forms.ValidationError(END_BEFORE_REVIEW)
        return value


class ExitForm(PageForm):
    page = "exit"
    Meta = page_meta(page)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if end and end <= timezone.localdate():
            self.add_error("end_date", _("The end date must be in the future"))
        elif start and end and end <= start:
            self.add_error("end_date", _("The end date must be after the start date"))
        elif end and self.instance.review_date and end < self.instance.review_date:
            self.add_error("end_date", END_BEFORE_REVIEW)
        return data


# The pages whose forms check more than each answer on its own. Every other page of plain
# questions needs no class: page_form builds its form from the declarations.
CHECKED_PAGES = {form.page: form for form in (ReviewForm, ExitForm)}


@functools.cache
def page_form(page: str) -> type[PageForm]:
    """The form of a page of plain questions (questions.PAGES)."""
    if page in CHECKED_PAGES:
        return CHECKED_PAGES[page]
    attrs = {"page": page, "Meta": page_meta(page), "__module__": __name__}
    return type(f"{page.capitalize()}Form", (PageForm,), attrs)


class CompletionForm(GovukForm):
    completed = forms.TypedChoiceField(
        label=_("Have you completed this section?"),
        choices=[
            ("yes", _("Yes, I've completed this section")),
            ("no", _("No, I'll come back to it later")),
        ],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether you have completed this section")},
    )


class ListedChoiceField(forms.ModelChoiceField):
    """A choice among objects the view has read already (`listed`, those its queryset holds):
    the chosen one is found among them rather than read again. The queryset still lists the
    options on the page."""

    listed: list = []

    def to_python(self, value):
        if value in self.empty_values:
            return None
        self.validate_no_null_characters(value)
        chosen = next((o for o in self.listed if str(o.pk) == str(value)), None)
        if chosen is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return chosen


class CommentForm(GovukForm):
    organisation = ListedChoiceField(
        queryset=Organisation.objects.none(), label=_("Commenting for"), empty_label=None
    )
    text = forms.CharField(
        label=_("Your comment on the vision statement"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=[o.pk for o in organisations]
        )
        self.fields["organisation"].listed = list(organisations)
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk


class WithdrawForm(GovukForm):
    messages = {"reason": (_("Say why you are withdrawing the proposal"), _("The reason"))}
    reason = forms.CharField(
        label=_("Why are you withdrawing it?"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Partners see this on the proposal's timeline."),
    )
