"""GOV.UK Design System markup for Django forms.

Every form renders through templates/forms/ (label, hint, error message, and the input classes
of the Design System); `GovukForm` adds the classes and ARIA links a field's widget needs.
"""

import datetime

from django import forms
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"


WIDGET_CLASSES = {
    "text": "govuk-input",
    "email": "govuk-input",
    "password": "govuk-input govuk-password-input__input govuk-js-password-input-input",
    "number": "govuk-input govuk-input--width-5",
    "url": "govuk-input",
    "textarea": "govuk-textarea",
    "select": "govuk-select",
    "clearablefile": "govuk-file-upload",
    "file": "govuk-file-upload",
}


class OptionsSelect(forms.Select):
    """Django's select, with its options written in Python rather than by rendering a
    template for each: the register's list of every organisation in the region was most of
    the page's cost. The markup is the same as Django's templates give."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            for option in group_choices:
                parts.append(
                    format_html(
                        '<option value="{}"{}>{}</option>',
                        option["value"],
                        flatatt(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("\n".join(parts))  # noqa: S308 - every part above is escaped


def _template_attrs(attrs: dict) -> str:
    """A widget's attributes as django/forms/widgets/attrs.html writes them: True a bare name,
    False left out, anything else (None included) its text, escaped."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, f"{value}")
        for name, value in attrs.items()
        if value is not False
    )


class GovukTextarea(forms.Textarea):
    """Django's textarea, written in Python rather than by rendering its template and the
    attributes' one (about 0.15 ms a text box, two on the review page). The same markup as
    django/forms/widgets/textarea.html gives."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        return format_html(
            '<textarea name="{}"{}>\n{}</textarea>',
            widget["name"],
            mark_safe(_template_attrs(widget["attrs"])),  # noqa: S308 - escaped above
            widget["value"] or "",
        )


class GovukDateWidget(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes."""

    def __init__(self, attrs=None):
        widgets = [
            forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "class": "govuk-input govuk-date-input__input govuk-input--width-2",
                }
            ),
            forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "class": "govuk-input govuk-date-input__input govuk-input--width-2",
                }
            ),
            forms.TextInput(
                attrs={
                    "inputmode": "numeric",
                    "class": "govuk-input govuk-date-input__input govuk-input--width-4",
                }
            ),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date from three boxes, with the GOV.UK error messages."""

    widget = GovukDateWidget

    def __init__(self, **kwargs):
        fields = [forms.CharField(required=False) for _i in range(3)]
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        day, month, year = (str(v or "").strip() for v in data_list)
        label = str(self.label or _("The date"))
        missing = [
            name for name, value in (("day", day), ("month", month), ("year", year)) if not value
        ]
        if missing:
            raise forms.ValidationError(
                _("%(label)s must include a %(part)s")
                % {"label": label, "part": " and ".join(missing)}
            )
        try:
            value = datetime.date(int(year), int(month), int(day))
        except ValueError as exc:
            raise forms.ValidationError(
                _("%(label)s must be a real date") % {"label": label}
            ) from exc
        if len(year) != 4:
            raise forms.ValidationError(_("Year must include 4 numbers"))
        return value


class GovukFormMixin:
    """Add GOV.UK classes, error state and aria-describedby to each widget."""

    # Fields whose widths the form wants narrower, e.g. {"ico_registration_number": 10}.
    input_widths: dict[str, int] = {}
    # Where a label is a question, say what to do in words of the form's own:
    # {"problem": ("Describe the problem you are trying to solve", "The problem")} gives the
    # message for an empty answer and the noun for "… must be N characters or fewer".
    messages: dict[str, tuple[str, str]] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            self._govuk_messages(field, *self.messages.get(name, (None, None)))
            widget = field.widget
            # No page moves focus on load (Django's sign-in and password forms would): it
            # skips the skip link and the header. GOV.UK's error summary does so on purpose.
            widget.attrs.pop("autofocus", None)
            kind = type(widget).__name__.lower().replace("input", "").replace("widget", "")
            classes = WIDGET_CLASSES.get(kind)
            if classes:
                width = self.input_widths.get(name)
                if width:
                    classes += f" govuk-input--width-{width}"
                widget.attrs["class"] = classes
            if type(widget) is forms.Select:
                widget.__class__ = OptionsSelect  # same markup, written without templates
            elif type(widget) is forms.Textarea:
                widget.__class__ = GovukTextarea  # same markup, written without templates
            described = []
            if isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("rows", 5)
                if getattr(field, "max_length", None):
                    # GOV.UK's character count (templates/forms/govuk_field.html): people may
                    # type past the limit and are told by how much, so no maxlength to cut
                    # them off; the form refuses the excess with its own message.
                    widget.attrs.pop("maxlength", None)
                    widget.attrs["class"] += " govuk-js-character-count"
                    described.append(f"{self[name].auto_id}-info")
            if field.help_text and classes:
                described.append(f"{self[name].auto_id}-hint")
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)
            if isinstance(widget, forms.EmailInput):
                widget.attrs.setdefault("autocomplete", "email")
                widget.attrs.setdefault("spellcheck", "false")

    @staticmethod
    def _govuk_messages(field, required: str | None = None, noun: str | None = None):
        """Say what to do, in the GOV.UK way, instead of Django's generic messages."""
        label = str(noun or field.label or "").strip()
        lower = label[:1].lower() + label[1:]
        if required:
            field.error_messages["required"] = required
        elif field.error_messages.get("required") == forms.Field.default_error_messages["required"]:
            if isinstance(field, (forms.ChoiceField, forms.ModelChoiceField, forms.BooleanField)):
                field.error_messages["required"] = _("Select %(label)s") % {"label": lower}
            else:
                field.error_messages["required"] = _("Enter %(label)s") % {"label": lower}
        max_length = getattr(field, "max_length", None)
        if max_length:
            field.error_messages["max_length"] = _(
                "%(label)s must be %(max)s characters or fewer"
            ) % {"label": label, "max": max_length}
            for validator in field.validators:
                if getattr(validator, "code", "") == "max_length":
                    validator.message = field.error_messages["max_length"]

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "class" in widget.attrs and "--error" not in widget.attrs["class"]:
                    base = widget.attrs["class"].split()[0]
                    widget.attrs["class"] += f" {base}--error"
                    described = widget.attrs.get("aria-describedby", "")
                    widget.attrs["aria-describedby"] = (
                        f"{described} {self[name].auto_id}-error".strip()
                    )

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the GOV.UK error summary, in field order."""
        items = []
        for message in self.non_field_errors():
            items.append(("", message))
        for name, _field in self.fields.items():
            if name in self.errors:
                bound = self[name]
                anchor = bound.auto_id
                if bound.widget_type in ("radioselect", "checkboxselectmultiple"):
                    anchor = f"{bound.auto_id}_0"
                if bound.widget_type == "govukdate":
                    anchor = f"{bound.auto_id}_0"
                for message in self.errors[name]:
                    items.append((anchor, message))
        return items


# Field groups as written_field_groups() wrote them, by a key of what each shows. Kept in this
# process; emptied when full (few sets of values recur: filters' choices, searched words).
_WRITTEN_GROUPS: dict = {}
WRITTEN_GROUPS_MAX = 512


def written_field_groups(form, names, shown=()) -> dict[str, str]:
    """{name: its GOV.UK field group's HTML} for the form's fields `names`: the same markup as
    `{{ form.<name>.as_field_group }}` (a template rendered per field, a tenth of a filter
    page's cost), written once for each key of what it shows: the form's class (by name and
    bases), the field's value and errors, the language, and `shown`, whatever else the caller's
    fields show (the version of a list of choices, or the choices themselves)."""
    # Not the class object: a django-filter FilterSet builds its form class anew on every
    # request (the register's), so it would never be found again. Its name and module do not
    # tell two such classes apart either (the module is django-filter's, the name the
    # FilterSet's), but its bases do: the form class the FilterSet names, which lives as long
    # as the process.
    cls = type(form)
    common = (cls.__module__, cls.__qualname__, cls.__bases__, get_language(), shown)
    groups = {}
    for name in names:
        bound = form[name]
        key = (*common, name, repr(bound.value()), tuple(map(str, form.errors.get(name, ()))))
        group = _WRITTEN_GROUPS.get(key)
        if group is None:
            if len(_WRITTEN_GROUPS) >= WRITTEN_GROUPS_MAX:
                _WRITTEN_GROUPS.clear()
            group = _WRITTEN_GROUPS[key] = bound.as_field_group()
        groups[name] = group
    return groups


class GovukForm(GovukFormMixin, forms.Form):
    pass


class GovukModelForm(GovukFormMixin, forms.ModelForm):
    pass
