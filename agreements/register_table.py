"""The rows of the register page's table, written in Python rather than by the template
engine: 25 rows of seven cells, each cell a few variables, tags and filters, were a third of
the page's cost in the web process. The markup is what the template wrote; every value is
escaped (html.escape, as Django's autoescaping does). The page around it, the table's head
included, stays in templates/agreements/register.html.
"""

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from isf_portal.markup import escaped as escape
from isf_portal.templatetags.govuk import calendar_date

from .models import Agreement
from .register import CATEGORY_LABELS, STATUS_TAG_CLASSES, categories_of

_ROW = """  <tr class="govuk-table__row">
    <td class="govuk-table__cell">{reference}</td>
    <td class="govuk-table__cell">{title}<br><span class="govuk-body-s">{categories}</span></td>
    <td class="govuk-table__cell"><ul class="govuk-list govuk-body-s govuk-!-margin-bottom-0">\
{parties}</ul></td>
    <td class="govuk-table__cell"><strong class="govuk-tag {tag_class}">{status}</strong>\
{external}</td>
    <td class="govuk-table__cell">{start}</td>
    <td class="govuk-table__cell">{end}</td>
    <td class="govuk-table__cell">{review}</td>
  </tr>
"""


class _Texts:
    """The words every row may show, translated once per page."""

    def __init__(self):
        self.categories = tuple(escape(str(label)) for label in CATEGORY_LABELS)
        self.external = (
            f'<br><span class="govuk-body-s">{escape(_("Signed outside the portal"))}</span>'
        )
        self.not_set = f'<span class="govuk-visually-hidden">{escape(_("Not set"))}</span>–'
        self.no_end = f'<span class="govuk-visually-hidden">{escape(_("No end date"))}</span>–'


def _date(value, missing: str) -> str:
    if not value:
        return missing
    shown = escape(calendar_date(value, "j M Y"))
    return f'<time datetime="{escape(calendar_date(value, "Y-m-d"))}">{shown}</time>'


def _row(agreement: Agreement, parties: list[str], url: str, texts: _Texts) -> str:
    reference = escape(agreement.reference)
    if url:
        reference = f'<a class="govuk-link" href="{escape(url)}">{reference}</a>'
    return _ROW.format(
        reference=reference,
        title=escape(agreement.title),
        categories=", ".join(categories_of(agreement, texts.categories)),
        parties="".join(f"<li>{escape(name)}</li>" for name in parties),
        tag_class=STATUS_TAG_CLASSES.get(agreement.status, "govuk-tag--grey"),
        status=escape(str(agreement.status_label)),
        external=texts.external if agreement.is_external else "",
        start=_date(agreement.start_date, texts.not_set),
        end=_date(agreement.end_date, texts.no_end),
        review=_date(agreement.review_date, texts.not_set),
    )


def table_rows(
    agreements: list[Agreement], *, parties: dict[int, list[str]], urls: dict[int, str]
) -> SafeString:
    """The table body's rows for a page of agreements: `parties`, each one's party names
    (register.party_names); `urls`, the page of each agreement the reader may open."""
    texts = _Texts()
    rows = "".join(
        _row(agreement, parties.get(agreement.pk, []), urls.get(agreement.pk, ""), texts)
        for agreement in agreements
    )
    return mark_safe(rows)  # noqa: S308 - every value above is escaped
