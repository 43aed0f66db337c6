"""isf_portal.forms.written_field_groups keeps each field group it writes under a key of what
the group shows. django-filter builds a FilterSet's form class anew on every request, named
after the FilterSet and placed in django-filter's own module, so two FilterSets of the same
name must still not be given each other's field groups."""

import django_filters

from isf_portal import forms
from isf_portal.forms import GovukForm, written_field_groups
from organisations.models import Organisation


class NarrowForm(GovukForm):
    input_widths = {"q": 10}


class WideForm(GovukForm):
    input_widths = {"q": 20}


def _filters(form_class):
    class Filters(django_filters.FilterSet):
        q = django_filters.CharFilter(label="Search")

        class Meta:
            model = Organisation
            form = form_class
            fields: list[str] = []

    return Filters


def test_two_filtersets_of_one_name_keep_their_own_field_groups():
    forms._WRITTEN_GROUPS.clear()
    narrow = _filters(NarrowForm)({"q": "fire"}).form
    wide = _filters(WideForm)({"q": "fire"}).form
    assert (type(narrow).__module__, type(narrow).__qualname__) == (
        type(wide).__module__,
        type(wide).__qualname__,
    )

    assert written_field_groups(narrow, ["q"]) == {"q": narrow["q"].as_field_group()}
    assert written_field_groups(wide, ["q"]) == {"q": wide["q"].as_field_group()}
    assert "govuk-input--width-20" in written_field_groups(wide, ["q"])["q"]


def test_the_same_filterset_on_the_next_request_finds_its_field_groups():
    forms._WRITTEN_GROUPS.clear()
    filters = _filters(NarrowForm)
    first = written_field_groups(filters({"q": "fire"}).form, ["q"])
    size = len(forms._WRITTEN_GROUPS)
    again = written_field_groups(filters({"q": "fire"}).form, ["q"])
    assert again == first
    assert len(forms._WRITTEN_GROUPS) == size
