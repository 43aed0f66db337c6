"""The select that writes its options in Python gives the markup Django's templates give."""

import pytest
from django import forms
from django.test.html import parse_html

from isf_portal.forms import GovukForm, OptionsSelect

CHOICES = [
    ("", "Any <organisation>"),
    ("1", "Bolton & Bury"),
    ("Health", [("2", "Wigan NHS"), ("3", 'Salford "Royal"')]),
]


@pytest.mark.parametrize("value", ["", "1", "3", None, "<script>"])
def test_same_markup_as_djangos_select(value):
    attrs = {"class": "govuk-select", "aria-describedby": "org-hint"}
    stock = forms.Select(choices=CHOICES, attrs=attrs).render("org", value, {"id": "id_org"})
    ours = OptionsSelect(choices=CHOICES, attrs=attrs).render("org", value, {"id": "id_org"})
    assert parse_html(ours) == parse_html(stock)
    assert "<script>" not in ours and "&lt;organisation&gt;" in ours


def test_govuk_forms_use_it_for_plain_selects():
    class Form(GovukForm):
        organisation = forms.ChoiceField(choices=CHOICES[:2])

    widget = Form().fields["organisation"].widget
    assert type(widget) is OptionsSelect
    assert 'class="govuk-select"' in str(Form()["organisation"])
