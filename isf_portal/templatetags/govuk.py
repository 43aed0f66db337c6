import datetime
import functools

from django import template
from django.template import Context
from django.template.base import render_value_in_context
from django.template.defaultfilters import date as date_filter
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def choice_hint(field, value):
    """The hint a choice field gives for one of its options (`choice_hints` on the field)."""
    return getattr(field, "choice_hints", {}).get(str(value), "")


@register.filter
def character_limit(bound_field):
    """The limit a GOV.UK character count shows under a text box, or None (see GovukFormMixin)."""
    widget_class = bound_field.field.widget.attrs.get("class", "")
    if "govuk-js-character-count" in widget_class.split():
        return bound_field.field.max_length
    return None


@register.filter
def page_numbers(page):
    """The numbered GOV.UK pagination: the first and last pages, the current one and its
    neighbours, None for each gap (shown as an ellipsis)."""
    ellipsis = page.paginator.ELLIPSIS
    return [
        None if number == ellipsis else number
        for number in page.paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1)
    ]


@register.filter
def date_parts(bound_field):
    """(label, id, name, value, width class) for each box of a GOV.UK date input."""
    widget = bound_field.field.widget
    value = bound_field.value()
    if not isinstance(value, (list, tuple)):
        value = widget.decompress(value)
    labels = [_("Day"), _("Month"), _("Year")]
    parts = []
    for index, (label, sub) in enumerate(zip(labels, widget.widgets, strict=True)):
        parts.append(
            {
                "label": label,
                "id": f"{bound_field.auto_id}_{index}",
                "name": f"{bound_field.html_name}_{index}",
                "value": "" if value[index] is None else value[index],
                "classes": sub.attrs.get("class", ""),
            }
        )
    return parts


@functools.lru_cache(maxsize=4096)
def _calendar_date(value: datetime.date, format_string: str, language: str | None) -> str:
    # A date's text depends only on the date, the format and the language (month names).
    return date_format(value, format_string)


@register.filter(expects_localtime=True, is_safe=False)
def calendar_date(value, format_string=None):
    """Django's `date` filter, the text of a calendar date (a DateField's value) remembered
    per process: a table of agreements formats hundreds of dates, and few distinct ones."""
    if type(value) is not datetime.date:
        return date_filter(value, format_string)
    return _calendar_date(value, format_string, get_language())


# One item of a GOV.UK radios or checkboxes group, as forms/govuk_field.html's loop wrote it
# (the blank lines' indentation included, byte for byte).
_CHOICE_ITEM = (
    '\n      <div class="govuk-{group}__item">\n        \n'
    '        <input class="govuk-{group}__input" id="{{}}" name="{{}}" type="{kind}" value="{{}}"'
    "{{}}{{}}>\n"
    '        <label class="govuk-label govuk-{group}__label" for="{{}}">{{}}</label>\n'
    "        {{}}\n        \n      </div>\n      "
)
_CHOICE_ITEMS = {
    kind: (_CHOICE_ITEM.format(kind=kind, group=group), group)
    for kind, group in (("radio", "radios"), ("checkbox", "checkboxes"))
}


@register.simple_tag
def choice_items(bound_field, kind: str):
    """The items of a GOV.UK radios or checkboxes group (`kind` "radio" or "checkbox") for a
    choice field, each with its hint (`choice_hints` on the field): the markup the template
    loop in forms/govuk_field.html wrote, in Python, since a loop of templates cost about
    0.1 ms an item (a review page's decision form has 14). Every value is escaped."""
    item, group = _CHOICE_ITEMS[kind]
    html_name = bound_field.html_name
    hints = getattr(bound_field.field, "choice_hints", {})
    context = Context()
    items = []
    for choice in bound_field:
        data = choice.data
        item_id = data["attrs"].get("id")
        hint = hints.get(str(data["value"]), "")
        items.append(
            format_html(
                item,
                item_id,
                html_name,
                render_value_in_context(data["value"], context),
                " checked" if data["selected"] else "",
                format_html(' aria-describedby="{}-hint"', item_id) if hint else "",
                item_id,
                render_value_in_context(choice.choice_label, context),
                format_html(
                    '<div id="{}-hint" class="govuk-hint govuk-{}__hint">{}</div>',
                    item_id,
                    group,
                    hint,
                )
                if hint
                else "",
            )
        )
    return mark_safe("".join(items))  # noqa: S308 - every item is escaped by format_html
