"""The items of GOV.UK radios and checkboxes, written by the `choice_items` template tag
(forms/govuk_field.html): the markup of the template loop it replaced, every value escaped."""

from django import forms
from django.template import Context, Template

from isf_portal.forms import GovukForm

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

# The loops the tag replaced, kept to compare markup.
OLD = {
    "radio": """{% load govuk %}{% with html_name=field.html_name %}{% for choice in field %}
      <div class="govuk-radios__item">
        {% with hint=field.field|choice_hint:choice.data.value %}
        <input class="govuk-radios__input" id="{{ choice.id_for_label }}" name="{{ html_name }}" type="radio" value="{{ choice.data.value }}"{% if choice.data.selected %} checked{% endif %}{% if hint %} aria-describedby="{{ choice.id_for_label }}-hint"{% endif %}>
        <label class="govuk-label govuk-radios__label" for="{{ choice.id_for_label }}">{{ choice.choice_label }}</label>
        {% if hint %}<div id="{{ choice.id_for_label }}-hint" class="govuk-hint govuk-radios__hint">{{ hint }}</div>{% endif %}
        {% endwith %}
      </div>
      {% endfor %}{% endwith %}""",  # noqa: E501
    "checkbox": """{% load govuk %}{% with html_name=field.html_name %}{% for choice in field %}
      <div class="govuk-checkboxes__item">
        {% with hint=field.field|choice_hint:choice.data.value %}
        <input class="govuk-checkboxes__input" id="{{ choice.id_for_label }}" name="{{ html_name }}" type="checkbox" value="{{ choice.data.value }}"{% if choice.data.selected %} checked{% endif %}{% if hint %} aria-describedby="{{ choice.id_for_label }}-hint"{% endif %}>
        <label class="govuk-label govuk-checkboxes__label" for="{{ choice.id_for_label }}">{{ choice.choice_label }}</label>
        {% if hint %}<div id="{{ choice.id_for_label }}-hint" class="govuk-hint govuk-checkboxes__hint">{{ hint }}</div>{% endif %}
        {% endwith %}
      </div>
      {% endfor %}{% endwith %}""",  # noqa: E501
}


class ChoicesForm(GovukForm):
    pick = forms.ChoiceField(
        label="Pick",
        choices=[("a", "Apples"), ("b&c", f"B {SCRIPT}"), (3, "Three")],
        widget=forms.RadioSelect,
    )
    many = forms.MultipleChoiceField(
        label="Many",
        choices=[("x", "Ex"), ("y", f"Why {SCRIPT}"), ("z", "Zed")],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pick"].choice_hints = {"a": "Crisp", "b&c": SCRIPT}
        self.fields["many"].choice_hints = {"z": "Last"}


def _both(form, name, kind):
    field = form[name]
    new = Template('{% load govuk %}{% choice_items field "' + kind + '" %}')
    return (
        new.render(Context({"field": field})),
        Template(OLD[kind]).render(Context({"field": field})),
    )


def test_unbound_bound_and_invalid_forms_give_the_loops_markup():
    for form in (
        ChoicesForm(prefix="p"),
        ChoicesForm({"p-pick": "b&c", "p-many": ["x", "z"]}, prefix="p"),
        ChoicesForm({"p-pick": "nonsense"}, prefix="p"),
    ):
        form.is_valid()
        for name, kind in (("pick", "radio"), ("many", "checkbox")):
            new, old = _both(form, name, kind)
            assert new == old


def test_labels_values_and_hints_are_escaped_and_the_choice_kept():
    form = ChoicesForm({"p-pick": "b&c", "p-many": ["y"]}, prefix="p")
    radios, _old = _both(form, "pick", "radio")
    assert SCRIPT not in radios
    assert radios.count(ESCAPED) == 2  # the label and the hint
    assert 'value="b&amp;c" checked aria-describedby="id_p-pick_1-hint"' in radios
    assert '<div id="id_p-pick_0-hint" class="govuk-hint govuk-radios__hint">Crisp</div>' in radios
    checkboxes, _old = _both(form, "many", "checkbox")
    assert 'type="checkbox" value="y" checked>' in checkboxes
    assert f"Why {ESCAPED}</label>" in checkboxes


def test_the_whole_form_renders_the_items_inside_their_group():
    html = str(ChoicesForm(prefix="p"))
    assert '<div class="govuk-radios govuk-radios--small" data-module="govuk-radios">\n' in html
    assert html.count('<div class="govuk-radios__item">') == 3
    assert html.count('<div class="govuk-checkboxes__item">') == 3
