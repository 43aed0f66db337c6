"""GOV.UK Design System markup for Django forms.

Every form renders through templates/forms/ (label, hint, error message, and the input classes
of the Design System); `GovukForm` adds the classes and ARIA links a field's widget needs.
"""

from django import forms
from django.forms.renderers import TemplatesSetting


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


class GovukFormMixin:
    """Add GOV.UK classes, error state and aria-describedby to each widget."""

    # Fields whose widths the form wants narrower, e.g. {"ico_registration_number": 10}.
    input_widths: dict[str, int] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            kind = type(widget).__name__.lower().replace("input", "").replace("widget", "")
            classes = WIDGET_CLASSES.get(kind)
            if classes:
                width = self.input_widths.get(name)
                if width:
                    classes += f" govuk-input--width-{width}"
                widget.attrs["class"] = classes
            if isinstance(widget, forms.Textarea):
                widget.attrs.setdefault("rows", 5)
            if field.help_text and classes:
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}-hint"
            if isinstance(widget, forms.EmailInput):
                widget.attrs.setdefault("autocomplete", "email")
                widget.attrs.setdefault("spellcheck", "false")

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
        for name, field in self.fields.items():
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


class GovukForm(GovukFormMixin, forms.Form):
    pass


class GovukModelForm(GovukFormMixin, forms.ModelForm):
    pass
