"""Forms of an agreement's life once in force: closing a review (continue, vary, terminate)
and a party's answer when every party is asked to agree (agreements/consents.py)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from isf_portal.forms import GovukDateField, GovukForm

from .models import ReviewOutcome


class ReviewOutcomeForm(GovukForm):
    """The outcome of a review. Each outcome then asks its own questions on the next page."""

    messages = {
        "outcome": (gettext_lazy("Select the outcome of the review"), gettext_lazy("The outcome"))
    }

    outcome = forms.ChoiceField(
        label=gettext_lazy("What did the review decide?"),
        choices=ReviewOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Select the outcome of the review")},
    )


class ContinueForm(GovukForm):
    new_review_date = GovukDateField(
        label=gettext_lazy("Next review date"),
        help_text=gettext_lazy("For example, 1 4 2027"),
        error_messages={"required": gettext_lazy("Enter the next review date")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Notes from the review"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_new_review_date(self):
        value = self.cleaned_data["new_review_date"]
        if value is not None and value <= timezone.localdate():
            raise forms.ValidationError(_("The next review date must be in the future"))
        return value


class VaryForm(GovukForm):
    messages = {
        "reason": (
            gettext_lazy("Say what needs to change"),
            gettext_lazy("The description of what needs to change"),
        )
    }

    reason = forms.CharField(
        label=gettext_lazy("What needs to change"),
        help_text=gettext_lazy(
            "The proposal goes back to its authors with this. The agreement stays in force "
            "until the new version is signed."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Say what needs to change")},
    )


class TerminateForm(GovukForm):
    messages = {
        "reason": (
            gettext_lazy("Give the reason for ending the agreement"),
            gettext_lazy("The reason"),
        )
    }

    reason = forms.CharField(
        label=gettext_lazy("Why the agreement is ending"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Give the reason for ending the agreement")},
    )
    end_date = GovukDateField(
        label=gettext_lazy("Date it ends"),
        help_text=gettext_lazy(
            "Today, a date in the past or a date to come. For example, 30 6 2026"
        ),
        error_messages={"required": gettext_lazy("Enter the date the agreement ends")},
    )


OUTCOME_FORMS = {
    ReviewOutcome.CONTINUE: ContinueForm,
    ReviewOutcome.VARY: VaryForm,
    ReviewOutcome.TERMINATE: TerminateForm,
}


class ConsentAnswerForm(GovukForm):
    """A party's answer to what another party proposes (consents.py)."""

    messages = {
        "party": (gettext_lazy("Select the party you are answering for"), gettext_lazy("Party")),
        "answer": (gettext_lazy("Select whether your organisation agrees"), gettext_lazy("Answer")),
        "comment": (gettext_lazy("Give the reason for declining"), gettext_lazy("Reason")),
    }

    party = forms.TypedChoiceField(
        label=gettext_lazy("Which party are you answering for?"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Select the party you are answering for")},
    )
    answer = forms.ChoiceField(
        label=gettext_lazy("Does your organisation agree?"),
        choices=[
            ("agree", gettext_lazy("Yes, we agree")),
            ("decline", gettext_lazy("No, we decline")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Select whether your organisation agrees")},
    )
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        help_text=gettext_lazy("Needed if you decline: the other parties read it."),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["party"]
        field.choices = [(p.pk, p.name) for p in parties]
        self.only_party = parties[0].pk if len(parties) == 1 else None
        if self.only_party is not None:
            # One party to answer for: nothing to choose (the question names it).
            field.required = False
            field.widget = forms.HiddenInput()
            self.fields["answer"].label = _("Does %(party)s agree?") % {"party": parties[0].name}

    def clean_party(self):
        return self.only_party or self.cleaned_data["party"]

    def clean(self):
        data = super().clean()
        if data.get("answer") == "decline" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Give the reason for declining"))
        return data
