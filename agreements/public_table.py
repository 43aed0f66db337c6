"""The entries of the public register's list, written in Python rather than by the template
engine: 20 entries, each a link, three translated dates and a few filters, were the page's
largest cost in the web process after its queries. The markup is what the template's loop
wrote, byte for byte; every value is escaped (html.escape, as Django's autoescaping does).
The page around the list stays in templates/agreements/public/list.html.
"""

import re

from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from isf_portal.markup import escaped as escape
from isf_portal.templatetags.govuk import calendar_date

_ENTRY = """
  <li class="govuk-!-margin-bottom-6">
    <h3 class="govuk-heading-s govuk-!-margin-bottom-1"><a class="govuk-link" href="{url}">{title}</a></h3>
    <p class="govuk-body-s govuk-!-margin-bottom-1">{reference} · {parties}</p>
    {purpose}
    <p class="govuk-body-s govuk-!-margin-bottom-0">{dates}</p>
  </li>
  """  # noqa: E501 (the entry's markup as the page has it)

# A reference of these characters is its own URL path segment (reverse() quotes nothing).
_PLAIN_REFERENCE = re.compile(r"[A-Za-z0-9._~-]+")
_SLOT = "REFERENCE"


def _detail_url(pattern: str, reference: str) -> str:
    if _PLAIN_REFERENCE.fullmatch(reference):
        return pattern.replace(_SLOT, reference, 1)
    return reverse("public-register:detail", args=[reference])


_DATES = (
    ("start_date", "since", ""),
    ("end_date", "ends", " · "),
    ("review_date", "review", " · "),
)


def _dates(agreement, texts: dict[str, str], values=None) -> str:
    shown = []
    for i, (field, message, before) in enumerate(_DATES):
        value = getattr(agreement, field) if values is None else values[i]
        if value:
            date = escape(calendar_date(value, "j F Y"))
            shown.append(before + texts[message] % {"date": date})
    return "".join(shown)


def _texts() -> dict[str, str]:
    return {
        "since": _("In force since %(date)s"),
        "ends": _("ends %(date)s"),
        "review": _("review due %(date)s"),
    }


def _purpose(purpose) -> str:
    if not purpose:
        return ""
    return f'<p class="govuk-body govuk-!-margin-bottom-1">{escape(purpose)}</p>'


def public_list_html(rows, parties: dict[int, list[str]]) -> SafeString:
    """The list items of a page read as rows of (id, reference, title, start date, end date,
    review date, purpose, ...), `parties` each one's party names (register.party_names): the
    same markup as public_entries_html's."""
    pattern = reverse("public-register:detail", args=[_SLOT])
    texts = _texts()
    entries = [
        _ENTRY.format(
            url=escape(_detail_url(pattern, reference)),
            title=escape(title),
            reference=escape(reference),
            parties=", ".join(escape(name) for name in parties.get(pk, ())),
            purpose=_purpose(purpose),
            dates=_dates(None, texts, dates),
        )
        for pk, reference, title, *dates, purpose, _total in rows
    ]
    return mark_safe("".join(entries))  # noqa: S308 - every value above is escaped


def public_entries_html(rows: list[dict]) -> SafeString:
    """The list items for publication.public_rows(...) of a page."""
    pattern = reverse("public-register:detail", args=[_SLOT])
    texts = _texts()
    entries = []
    for row in rows:
        agreement = row["agreement"]
        purpose = row["purpose"]
        entries.append(
            _ENTRY.format(
                url=escape(_detail_url(pattern, agreement.reference)),
                title=escape(agreement.title),
                reference=escape(agreement.reference),
                parties=", ".join(escape(name) for name in row["parties"]),
                purpose=_purpose(purpose),
                dates=_dates(agreement, texts),
            )
        )
    return mark_safe("".join(entries))  # noqa: S308 - every value above is escaped
