"""A choice field's label, cheaply: `{{ item|display:"category" }}` shows what
`{{ item.get_category_display }}` shows.

Django's get_FOO_display() builds a dict of every choice, hashing each lazily translated
label, on each call; a table of data items or lawful bases calls it for every cell. Here each
field's choices are turned into a dict once per process (they are declared in code) and only
the label shown is translated, as the page is rendered.
"""

from django import template
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable

register = template.Library()

_labels: dict = {}


def choice_labels(field) -> dict:
    """{stored value: label (lazy)} of a field with declared choices."""
    labels = _labels.get(field)
    if labels is None:
        labels = dict(make_hashable(field.flatchoices))
        if isinstance(field.choices, (list, tuple)):  # not worked out per call: keep it
            _labels[field] = labels
    return labels


@register.filter
def display(obj, name: str):
    """The label of `obj`'s value of the choice field `name` (the value itself when it is not
    one of the choices), as get_<name>_display() gives it."""
    field = obj._meta.get_field(name)
    value = getattr(obj, field.attname)
    return force_str(choice_labels(field).get(make_hashable(value), value), strings_only=True)
