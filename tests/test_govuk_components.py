"""GOV.UK components the shared templates render: character count, pagination, table regions."""

import re
from html import unescape
from pathlib import Path

from django import forms
from django.core.paginator import Paginator
from django.template.loader import render_to_string

from isf_portal.forms import GovukForm


class NoteForm(GovukForm):
    note = forms.CharField(
        label="Note", max_length=500, widget=forms.Textarea, help_text="What happened."
    )
    free = forms.CharField(label="Free text", widget=forms.Textarea, required=False)


def test_a_textarea_with_a_limit_renders_the_govuk_character_count():
    html = str(NoteForm())
    group = re.search(r'<div class="govuk-form-group govuk-character-count"[^>]*>', html)
    assert group, html
    assert 'data-module="govuk-character-count"' in group[0]
    assert 'data-maxlength="500"' in group[0]
    textarea = re.search(r'<textarea name="note"[^>]*>', html)[0]
    assert "govuk-js-character-count" in textarea
    assert 'aria-describedby="id_note-info id_note-hint"' in textarea
    # The count lets people type past the limit and says by how much; the form refuses it.
    assert "maxlength" not in textarea
    assert '<div id="id_note-info" class="govuk-hint govuk-character-count__message">' in html
    assert "You can enter up to 500 characters" in html


def test_a_textarea_without_a_limit_has_no_character_count():
    html = str(NoteForm())
    textarea = re.search(r'<textarea name="free"[^>]*>', html)[0]
    assert html.count('data-module="govuk-character-count"') == 1
    assert "govuk-js-character-count" not in textarea


def test_a_long_answer_is_still_refused_with_the_limit_in_the_message():
    form = NoteForm(data={"note": "x" * 501})
    assert form.errors["note"] == ["Note must be 500 characters or fewer"]
    assert 'aria-describedby="id_note-info id_note-hint id_note-error"' in str(form)


def pagination(number: int, pages: int = 20, query: str = "") -> str:
    page = Paginator(range(pages * 10), 10).get_page(number)
    return render_to_string(
        "includes/pagination.html", {"page": page, "label": "Pages of things", "query": query}
    )


def page_items(html: str) -> list[str]:
    """The numbered list as text: page numbers and "⋯" for the gaps."""
    items = re.findall(r'<li class="govuk-pagination__item[^"]*">(.*?)</li>', html, re.DOTALL)
    return [unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def test_pagination_numbers_the_pages_around_the_current_one_with_ellipses():
    html = pagination(10)
    assert page_items(html) == ["1", "⋯", "9", "10", "11", "⋯", "20"]
    assert 'rel="prev"' in html and 'href="?page=9" rel="prev"' in html
    assert 'href="?page=11" rel="next"' in html
    for number in (1, 9, 11, 20):
        link = f'href="?page={number}" aria-label="Page {number}">{number}</a>'
        assert f'<a class="govuk-link govuk-pagination__link" {link}' in html
    current = re.findall(
        r'<li class="govuk-pagination__item govuk-pagination__item--current">(.*?)</li>', html
    )
    assert len(current) == 1
    assert 'aria-current="page"' in current[0] and ">10<" in current[0]
    assert html.count('aria-current="page"') == 1
    assert html.count('class="govuk-pagination__item govuk-pagination__item--ellipses"') == 2


def test_pagination_on_the_first_page_has_no_previous_link_and_keeps_the_query():
    html = pagination(1, pages=3, query="q=fire+risk")
    assert page_items(html) == ["1", "2", "3"]
    assert 'rel="prev"' not in html
    assert 'href="?q=fire+risk&amp;page=2" rel="next"' in html
    assert 'href="?q=fire+risk&amp;page=3" aria-label="Page 3"' in html


def test_one_page_shows_no_pagination():
    assert pagination(1, pages=1).strip() == ""


# --- Reflow (WCAG 1.4.10): wide tables scroll in a region of their own ---------------------
ROOT = Path(__file__).resolve().parent.parent
# Two narrow columns that wrap at 320 pixels, and the PDF (printed, never reflowed).
NARROW_OR_PRINTED = {
    "templates/home.html",
    "notifications/templates/notifications/emails.html",
    "agreements/templates/agreements/pdf/agreement.html",
}
SCROLL_REGION = re.compile(
    # The label may be a template tag, with quotes of its own.
    r'<div class="app-table-scroll" role="region" aria-label="(?:\{%.*?%\}|\{\{.*?\}\}|[^"])+" '
    r'tabindex="0">'
    r'<table class="govuk-table"'
)


def test_every_data_table_scrolls_inside_a_labelled_focusable_region():
    templates = [
        path
        for folder in (
            "templates",
            "organisations",
            "sharing_requests",
            "agreements",
            "notifications",
        )
        for path in (ROOT / folder).rglob("*.html")
    ]
    checked = 0
    for path in templates:
        name = str(path.relative_to(ROOT))
        html = path.read_text()
        tables = html.count('<table class="govuk-table"')
        if not tables or name in NARROW_OR_PRINTED:
            continue
        assert len(SCROLL_REGION.findall(html)) == tables, name
        checked += 1
    assert checked >= 10
