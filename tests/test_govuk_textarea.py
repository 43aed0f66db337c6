"""GovukTextarea writes Django's textarea markup in Python: the same as the widget's
templates give, its value and attributes escaped."""

from django import forms

from isf_portal.forms import GovukForm, GovukTextarea

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_the_markup_is_djangos_for_values_and_every_kind_of_attribute():
    attrs = {"rows": 4, "required": True, "disabled": False, "data-x": None, "title": SCRIPT}
    for value in (None, "", "0", f"{SCRIPT}\n& more", "\nleading line"):
        expected = forms.Textarea(attrs=attrs).render("comment", value)
        assert GovukTextarea(attrs=attrs).render("comment", value) == expected


def test_the_value_and_attributes_are_escaped():
    html = GovukTextarea(attrs={"title": SCRIPT}).render("c", SCRIPT)
    assert SCRIPT not in html
    assert html.count(ESCAPED) == 2


def test_a_govuk_forms_textareas_are_written_in_python():
    class CommentForm(GovukForm):
        comment = forms.CharField(widget=forms.Textarea, max_length=10)

    form = CommentForm({"comment": SCRIPT})
    assert type(form.fields["comment"].widget) is GovukTextarea
    assert f">\n{ESCAPED}</textarea>" in str(form)
