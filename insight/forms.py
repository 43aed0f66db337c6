from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy

from isf_portal.forms import GovukForm
from organisations.models import Organisation, Sector
from sharing_requests.choices import DataCategory

PERIODS = {"12": 12, "24": 24, "all": None}


class InsightFilterForm(GovukForm):
    """The insight page's filters, from the query string. A filter with a bad value shows its
    error and is left out; the others still apply."""

    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        choices=[
            ("12", gettext_lazy("The last 12 months")),
            ("24", gettext_lazy("The last 24 months")),
            ("all", gettext_lazy("All time")),
        ],
        required=False,
    )
    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=gettext_lazy("Every organisation"),
    )
    sector = forms.ChoiceField(
        label=gettext_lazy("Sector"),
        choices=[("", gettext_lazy("Every sector"))] + Sector.choices,
        required=False,
    )
    category = forms.ChoiceField(
        label=gettext_lazy("Data"),
        choices=[("", gettext_lazy("Any data"))] + DataCategory.choices,
        required=False,
    )

    def __init__(self, data=None, *, reach, **kwargs):
        super().__init__(data if data else None, initial={"period": "12"}, **kwargs)
        field = self.fields["organisation"]
        if reach is None:
            field.queryset = Organisation.objects.order_by("name").only("id", "name")
        else:
            # A governance officer sees their own organisation's figures, nobody else's.
            field.queryset = Organisation.objects.filter(pk__in=[o.pk for o in reach]).order_by(
                "name"
            )
            field.required = True
            field.empty_label = None
            self.initial["organisation"] = reach[0].pk
        self.reach = reach

    def values(self) -> dict:
        """The filters that hold: bad values are dropped (their errors stay on the form)."""
        chosen = {name: self.initial.get(name) for name in self.fields}
        if self.is_bound:
            self.is_valid()
            for name in self.fields:
                if name not in self.errors and self.cleaned_data.get(name) not in (None, ""):
                    chosen[name] = self.cleaned_data[name]
        organisation = chosen.get("organisation")
        if isinstance(organisation, int):
            organisation = self.fields["organisation"].queryset.get(pk=organisation)
        months = PERIODS.get(chosen.get("period") or "12")
        return {
            "since": months_before(timezone.localdate(), months) if months else None,
            "organisation": organisation,
            "sector": chosen.get("sector") or "",
            "category": chosen.get("category") or "",
        }


def months_before(today: date, months: int) -> date:
    """The same day `months` whole months earlier (the 28th at most, so it always exists)."""
    month_index = today.year * 12 + today.month - 1 - months
    return date(month_index // 12, month_index % 12 + 1, min(today.day, 28))
