from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agreements.filters import OrganisationSelect
from isf_portal.forms import GovukForm, written_field_groups
from organisations.models import Organisation, Sector
from organisations.selectors import organisation_choices
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
    # Read as (id, name) pairs: every organisation in the region is a long list, written
    # once per version of it (agreements.filters.OrganisationSelect, as the register does).
    organisation = forms.TypedChoiceField(
        label=gettext_lazy("Organisation"),
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": gettext_lazy("Select an organisation from the list")},
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
        self.organisation_list = None
        if reach is None:
            # Read once for the request: the widget and the organisations figure use it too.
            self.organisation_list = listed = organisation_choices()
            field.choices = [("", _("Every organisation")), *listed[1]]
            field.widget.__class__ = OrganisationSelect
            field.widget.version = listed[0]
            field.widget.organisations = lambda: listed
        else:
            # A governance officer sees their own organisation's figures, nobody else's; a
            # query string without one (a link to ?period=24) means the first of them.
            field.choices = [(o.pk, o.name) for o in reach]
            self.initial["organisation"] = reach[0].pk
        self.reach = reach

    def field_groups(self) -> dict[str, str]:
        """The filters' field groups, as isf_portal.forms.written_field_groups keeps them: the
        organisations shown are the region's list (by its version) or the person's own."""
        if self.reach is None:
            shown = ("region", self.organisation_list[0])
        else:
            shown = ("reach", tuple((o.pk, o.name) for o in self.reach))
        return written_field_groups(self, self.fields, shown)

    def values(self) -> dict:
        """The filters that hold: bad values are dropped (their errors stay on the form)."""
        chosen = {name: self.initial.get(name) for name in self.fields}
        if self.is_bound:
            self.is_valid()
            for name in self.fields:
                if name not in self.errors and self.cleaned_data.get(name) not in (None, ""):
                    chosen[name] = self.cleaned_data[name]
        organisation = self._organisation(chosen.get("organisation"))
        months = PERIODS.get(chosen.get("period") or "12")
        return {
            "since": months_before(timezone.localdate(), months) if months else None,
            "organisation": organisation,
            "sector": chosen.get("sector") or "",
            "category": chosen.get("category") or "",
            "organisation_list": self.organisation_list,
        }

    def _organisation(self, pk: int | None) -> Organisation | None:
        if pk is None:
            return None
        if self.reach is not None:
            return next(o for o in self.reach if o.pk == pk)
        # None if it has gone since the list was read: every organisation's figures.
        return Organisation.objects.only("id", "name").filter(pk=pk).first()


def months_before(today: date, months: int) -> date:
    """The same day `months` whole months earlier (the 28th at most, so it always exists)."""
    month_index = today.year * 12 + today.month - 1 - months
    return date(month_index // 12, month_index % 12 + 1, min(today.day, 28))
