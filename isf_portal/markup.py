"""Django's format_html, format_html_join and linebreaksbr for page rows written in Python
(the proposal, review, agreement, home and register tags), with a fast path for plain `str`.

Django's escape() goes through keep_lazy's wrapper (it looks for a lazy string among its
arguments) and builds a SafeString on each call: a proposal's page escapes about 500 values,
and that wrapper cost more than the escaping. A plain str is escaped here as escape() escapes
it (html.escape); anything else (safe markup, a lazy translation, a number) still goes through
conditional_escape, so the output is the same, character for character. What these return is
built here from str.format and str.join, always a plain str, so it is wrapped in SafeString
directly: mark_safe is itself behind keep_lazy's wrapper, and a proposal's page calls it about
400 times."""

from html import escape as _html_escape
from urllib.parse import quote

from django.template.defaultfilters import linebreaksbr as _linebreaksbr
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString
from django.utils.text import normalize_newlines


def escaped(value) -> str:
    """conditional_escape(value): a plain str escaped, safe markup as it is."""
    kind = type(value)
    if kind is str:
        return _html_escape(value)
    if kind is SafeString:  # a row's part built by format_html: its own __html__()
        return value
    return conditional_escape(value)


def format_html(format_string: str, *args) -> SafeString:
    """django.utils.html.format_html, positional arguments only."""
    return SafeString(format_string.format(*map(escaped, args)))


def format_html_join(sep: str, format_string: str, args_generator) -> SafeString:
    """django.utils.html.format_html_join, with tuples of positional arguments."""
    # The separator and each part escaped.
    return SafeString(
        escaped(sep).join(format_html(format_string, *args) for args in args_generator)
    )


def linebreaksbr(value) -> SafeString:
    """The linebreaksbr filter with autoescaping on: the text escaped, its line breaks <br>."""
    if type(value) is not str:
        return _linebreaksbr(value, autoescape=True)
    if "\r" in value:
        value = normalize_newlines(value)
    return SafeString(_html_escape(value).replace("\n", "<br>"))


_ARGUMENT = "ARGUMENT"  # in no route's fixed text
_URL_SAFE = RFC3986_SUBDELIMS + "/~:@"


def reversed_once(name: str):
    """A function of one argument giving `reverse(name, args=[argument])`, for rows that each
    link to their object (a proposal's reference): reversed once, with a marker where the
    argument goes, and each argument put in quoted as reverse() quotes it (reverse() costs
    about 20 µs a row)."""
    pattern = reverse(name, args=[_ARGUMENT])
    return lambda argument: pattern.replace(_ARGUMENT, quote(str(argument), safe=_URL_SAFE))
