"""The form recording what each measurable outcome of an agreement achieved: one question
group (achieved, judgement, evidence) per outcome, its labels naming the outcome."""

from django import forms
from django.utils.translation import gettext as _

from isf_portal.forms import GovukForm

from .models import OutcomeJudgement


def outcome_update_form(outcomes, data=None) -> GovukForm:
    fields = {}
    for o in outcomes:
        expected = " → ".join(part for part in (o.baseline, o.target) if part)
        fields[f"achieved_{o.pk}"] = forms.CharField(
            label=_("What did “%(outcome)s” achieve?") % {"outcome": o.description},
            help_text=(
                _("Measured as %(measure)s. Expected: %(expected)s")
                % {"measure": o.measure, "expected": expected}
                if expected
                else _("Measured as %(measure)s.") % {"measure": o.measure}
            ),
            max_length=300,
            error_messages={
                "required": _("Say what “%(outcome)s” achieved") % {"outcome": o.description}
            },
        )
        fields[f"judgement_{o.pk}"] = forms.ChoiceField(
            label=_("Was “%(outcome)s” met?") % {"outcome": o.description},
            choices=OutcomeJudgement.choices,
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Select whether “%(outcome)s” was met") % {"outcome": o.description}
            },
        )
        fields[f"evidence_{o.pk}"] = forms.CharField(
            label=_("Evidence for “%(outcome)s”") % {"outcome": o.description},
            help_text=_("The figures and their source, for example a report and its date."),
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={
                "required": _("Give the evidence for “%(outcome)s”") % {"outcome": o.description}
            },
        )
    form_class = type("OutcomeUpdateForm", (GovukForm,), fields)
    return form_class(data)


def entries(form, outcomes) -> list[dict]:
    """The cleaned form as record_outcome_updates' entries."""
    return [
        {
            "outcome": o,
            "achieved": form.cleaned_data[f"achieved_{o.pk}"],
            "judgement": form.cleaned_data[f"judgement_{o.pk}"],
            "evidence": form.cleaned_data[f"evidence_{o.pk}"],
        }
        for o in outcomes
    ]
