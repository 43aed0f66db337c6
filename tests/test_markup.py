"""The rows' fast escaping (sharing_requests/markup.py) gives what Django's gives."""

import pytest
from django.template.defaultfilters import linebreaksbr as django_linebreaksbr
from django.utils import html as django_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy

from isf_portal import markup

VALUES = [
    "",
    "plain",
    "<script>alert('x')</script> & \"quoted\"",
    "two\nlines\r\nand\rmore\r\r\n",
    mark_safe("<b>already safe</b>"),
    gettext_lazy("Change"),
    42,
    None,
]


@pytest.mark.parametrize("value", VALUES)
def test_escaped_and_line_breaks_match_django(value):
    assert markup.escaped(value) == django_html.conditional_escape(value)
    if value is not None:
        assert markup.linebreaksbr(value) == django_linebreaksbr(value, autoescape=True)
        assert isinstance(markup.linebreaksbr(value), SafeData)


def test_format_html_and_join_match_django():
    template = "<p title='{}'>{}</p>{}"
    rows = [tuple(VALUES[i : i + 3]) for i in range(len(VALUES) - 2)]
    for args in rows:
        assert markup.format_html(template, *args) == django_html.format_html(template, *args)
        assert isinstance(markup.format_html(template, *args), SafeData)
    joined = markup.format_html_join("<&>", template, rows)
    assert joined == django_html.format_html_join("<&>", template, rows)
    assert isinstance(joined, SafeData)


@pytest.mark.parametrize("reference", ["ISF-2026-0042", "a b&c", "ünï", "x;y=z", "50%"])
def test_reversed_once_matches_reverse(reference):
    from django.urls import reverse

    review_url = markup.reversed_once("requests:review")
    assert review_url(reference) == reverse("requests:review", args=[reference])
