"""Writes through the API use the pages' own forms, so the rules and the messages are the
same: a JSON body is turned into the form data a browser would post, and a form's errors
into JSON keyed by field path."""

import datetime

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException

from isf_portal.forms import GovukDateField


class Invalid(APIException):
    """400 with the form's messages: {"detail": ..., "errors": {"field": ["message"]}}."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(detail=_("There is a problem"))
        self.errors = errors


def form_data(form_class: type[forms.BaseForm], payload, *, initial: dict | None = None, **kw):
    """`payload` (JSON) as the QueryDict the form's page would post. Fields not in the
    payload keep `initial` (a partial update, like PATCH). Dates are ISO strings, booleans
    true/false, choices of objects their ids, several choices a list."""
    if not isinstance(payload, dict):
        raise Invalid({"non_field_errors": [_("Send a JSON object")]})
    fields = form_class(**kw).fields
    unknown = sorted(set(payload) - set(fields))
    if unknown:
        raise Invalid({name: [_("This is not a field of this form")] for name in unknown})
    values = {**(initial or {}), **payload}
    data = QueryDict(mutable=True)
    for name, field in fields.items():
        if name not in values or values[name] is None:
            continue
        value = values[name]
        if isinstance(field, GovukDateField):
            _date_parts(data, name, value)
        elif isinstance(field, forms.BooleanField):
            if value is True:
                data[name] = "on"
        elif isinstance(value, list | tuple):
            data.setlist(name, [_text(v) for v in value])
        else:
            data[name] = _text(value)
    return data


def _text(value) -> str:
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _date_parts(data: QueryDict, name: str, value) -> None:
    if isinstance(value, datetime.date):
        value = value.isoformat()
    parts = str(value).split("-")
    # The form's boxes are day, month, year; anything else the form calls not a real date,
    # in its own words.
    parts = [parts[2], parts[1], parts[0]] if len(parts) == 3 else [str(value), "", ""]
    for index, part in enumerate(parts):
        data[f"{name}_{index}"] = part


def form_errors(form: forms.BaseForm) -> dict[str, list[str]]:
    errors = {}
    for name, messages in form.errors.items():
        key = "non_field_errors" if name == forms.forms.NON_FIELD_ERRORS else name
        errors[key] = [str(m) for m in messages]
    return errors


def valid(form: forms.BaseForm) -> forms.BaseForm:
    if not form.is_valid():
        raise Invalid(form_errors(form))
    return form
