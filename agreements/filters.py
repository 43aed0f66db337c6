"""The register's filters, declared once (django-filter) for the three places that show the
register: its page, its CSV and the API's register (`/api/v1/register/`). The same query
parameters, the same choices and the same messages in all three:

- `q`: words of the search (search.py: data items and legal gateways only for those who may
  read the agreement);
- `organisation`: an organisation's id (the page's list) or its slug (what the API documents);
- `category`: `personal`, `special` or `criminal`;
- `status`: one status, or `any`; without it, active agreements (the register's default);
- `review_before`: a date, as the page's three boxes (`review_before_0`, `_1`, `_2`: day,
  month, year) or as one ISO date (`review_before=2027-01-31`);
- `sort`: a key of register.SORTS, `-` first for descending (the page and its CSV; the API's
  cursor pagination keeps its own order).

What they select is register.register_entries, the one query behind all three. A bad value:
the page shows its error and leaves that filter out (the others still apply), the CSV answers
400 with that page, the API 400 with the message by field.
"""

from functools import cached_property

import django_filters
from django import forms
from django.forms.utils import flatatt
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from isf_portal.forms import GovukDateField, GovukForm, OptionsSelect, written_field_groups
from organisations.models import Organisation
from organisations.selectors import organisation_choices

from .models import Agreement, AgreementStatus
from .register import (
    ANY_STATUS,
    DEFAULT_SORT,
    DEFAULT_STATUS,
    SORTS,
    Category,
    RegisterFilters,
    register_entries,
)


class OrganisationSelect(OptionsSelect):
    """The register's organisation filter, every organisation in the region: its options are
    written once per version of the organisations list and language (kept in this process,
    the latest only), and each page marks just the chosen one. The markup is OptionsSelect's."""

    # () -> (version, choices): the organisations list its choices come from, read by the form.
    organisations = staticmethod(organisation_choices)
    _written: dict = {}

    def render(self, name, value, attrs=None, renderer=None):
        version, _list = self.organisations()
        key = (version, get_language())
        options = OrganisationSelect._written.get(key)
        if options is None:
            options = {
                str(value): (label, format_html('<option value="{}">{}</option>', value, label))
                for value, label in self.choices
            }
            OrganisationSelect._written = {key: options}
        chosen = set(self.format_value(value))
        parts = [
            format_html('<select name="{}"{}>', name, flatatt(self.build_attrs(self.attrs, attrs)))
        ]
        for option_value, (label, written) in options.items():
            if option_value in chosen:
                written = format_html(
                    '<option value="{}" selected>{}</option>', option_value, label
                )
            parts.append(written)
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # noqa: S308 - every part above is escaped


class OrganisationField(forms.TypedChoiceField):
    """An organisation of the list, by id (the page's select) or by slug (what partner systems
    hold: one query, only when a slug is given)."""

    def __init__(self, **kwargs):
        super().__init__(coerce=int, empty_value=None, **kwargs)

    def clean(self, value):
        value = str(value or "").strip()
        if value and not value.isdigit():
            found = Organisation.objects.filter(slug=value).values_list("pk", flat=True).first()
            if found is not None:
                return found  # an organisation, so one of the list
        return super().clean(value)


class OrganisationFilter(django_filters.CharFilter):
    field_class = OrganisationField


class DateFilter(django_filters.DateFilter):
    field_class = GovukDateField


class RegisterFilterForm(GovukForm):
    """The form the filters are read with: GOV.UK markup and messages, and every organisation
    in the region, read as (id, name) pairs (the list is a sixth of the page's cost when it is
    built as model instances), and only when needed: to show the page's list or check an id,
    not for an API request that names no organisation."""

    input_widths = {"q": 20}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("q", "organisation", "category", "status"):
            if name in self.fields:  # a FilterSet may leave a filter out
                self.fields[name].hide_optional = True
        field = self.fields["organisation"]
        field.choices = lambda: [("", _("Any organisation")), *self._organisations[1]]
        field.widget.__class__ = OrganisationSelect
        field.widget.organisations = lambda: self._organisations

    @cached_property
    def _organisations(self) -> tuple[tuple, list[tuple[int, str]]]:
        return organisation_choices()

    # The search box and the filters, whose field groups are written once per value shown.
    CACHED_FIELDS = ("q", "organisation", "status", "category", "review_before")

    def field_groups(self) -> dict[str, str]:
        """The field groups of CACHED_FIELDS, as isf_portal.forms.written_field_groups keeps
        them (the organisation list's 200 options, three more selects and the date's boxes
        cost a tenth of the register page, the search box another 1.5 ms), for each version of
        the organisations list."""
        return written_field_groups(self, self.CACHED_FIELDS, self._organisations[0])


class RegisterFilter(django_filters.FilterSet):
    """The register's filters (see the module's docstring). `chosen` is what they select, as
    register.RegisterFilters; `qs` the agreements, from register.register_entries."""

    q = django_filters.CharFilter(
        label=gettext_lazy("Search"),
        help_text=gettext_lazy(
            "Words from the reference, the title or an organisation's name, in any order; "
            "in agreements your organisation is party to, also the data items and legal "
            "gateways"
        ),
        max_length=200,
    )
    organisation = OrganisationFilter(
        label=gettext_lazy("Organisation"),
        error_messages={"invalid_choice": gettext_lazy("Select an organisation from the list")},
    )
    category = django_filters.ChoiceFilter(
        label=gettext_lazy("Data"),
        choices=Category.choices,
        empty_label=gettext_lazy("Any data"),
    )
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=[(ANY_STATUS, gettext_lazy("Any status")), *AgreementStatus.choices],
        empty_label=None,
    )
    review_before = DateFilter(label=gettext_lazy("Review date before"))
    sort = django_filters.CharFilter(widget=forms.HiddenInput)

    class Meta:
        model = Agreement
        fields: list[str] = []  # every filter is declared above
        form = RegisterFilterForm

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        # Without a status (the first visit, a sort or page link) the register shows active
        # agreements, and its form says so.
        if not data.get("status"):
            data["status"] = DEFAULT_STATUS
        # One ISO date (the API's form of a date) is read as the page's three boxes.
        iso = data.get("review_before")
        parts = [f"review_before_{i}" for i in range(3)]
        if iso and not any(data.get(part) for part in parts):
            year, month, day = (iso.split("-", 2) + ["", ""])[:3]
            for part, value in zip(parts, (day, month, year), strict=True):
                data[part] = value
        super().__init__(data, queryset, request=request, prefix=prefix)

    @cached_property
    def chosen(self) -> RegisterFilters:
        """The valid filters' values; one with a bad value is left out."""
        self.form.is_valid()
        data = self.form.cleaned_data
        sort = data.get("sort") or ""
        key, descending = sort.lstrip("-"), sort.startswith("-")
        if key not in SORTS:  # an unknown sort (a hidden field) quietly gives the default
            key, descending = DEFAULT_SORT, False
        return RegisterFilters(
            q=(data.get("q") or "").strip(),
            organisation_id=data.get("organisation"),
            category=data.get("category") or "",
            status=data.get("status") or DEFAULT_STATUS,
            review_before=data.get("review_before"),
            sort=key,
            descending=descending,
        )

    def filter_queryset(self, queryset):
        """register_entries's one query, rather than a condition per filter: the page, the
        CSV, the API and the benchmarks all run the same query."""
        user = getattr(self.request, "user", None)
        if user is not None and not user.is_authenticated:
            user = None
        return register_entries(filters=self.chosen, user=user, queryset=queryset)

    def invalid_parameters(self) -> list[str]:
        """The query parameters of the filters with a bad value (a date's three boxes too)."""
        names = []
        for name in self.errors:
            if name in self.form.fields:
                widget = self.form.fields[name].widget
                suffixes = getattr(widget, "widgets_names", [])
                names += [name, *(f"{name}{suffix}" for suffix in suffixes)]
        return names
