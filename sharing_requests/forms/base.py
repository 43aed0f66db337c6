"""What the proposal's forms share: the section revision, and forms built from the
declared questions (questions.py)."""

from django import forms
from django.db import models

from isf_portal.forms import GovukDateField, GovukModelForm

from ..models import Proposal
from ..questions import questions


class RevisionMixin(forms.Form):
    """Carries the section's revision so a save over someone else's is caught."""

    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)


def page_meta(page: str) -> type:
    """A ModelForm Meta for the proposal fields one page asks, from their declarations: a
    choice is a set of radios, a date three boxes."""
    declared = list(questions(page))
    model_fields = {q.name: Proposal._meta.get_field(q.name) for q in declared}
    return type(
        "Meta",
        (),
        {
            "model": Proposal,
            "fields": [q.name for q in declared],
            "labels": {q.name: q.label for q in declared},
            "help_texts": {q.name: q.hint for q in declared if q.hint},
            "widgets": {
                name: forms.RadioSelect for name, field in model_fields.items() if field.choices
            },
            "field_classes": {
                name: GovukDateField
                for name, field in model_fields.items()
                if isinstance(field, models.DateField)
            },
        },
    )


class PageForm(RevisionMixin, GovukModelForm):
    """The form of a page of plain questions. A subclass names its `page` and takes
    `Meta = page_meta(page)`; labels, hints, required answers and messages all come from
    the declarations."""

    page: str

    @property
    def messages(self):
        return {q.name: (q.error, q.noun) for q in questions(self.page)}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for q in questions(self.page):
            field = self.fields[q.name]
            field.required = q.required
            if getattr(field, "choices", None) is not None and isinstance(
                field.widget, forms.RadioSelect
            ):
                # Radios need no empty choice: not answering is the empty answer.
                field.choices = [c for c in field.choices if c[0]]
