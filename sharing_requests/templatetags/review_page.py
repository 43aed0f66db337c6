"""The review page's longer lists written in Python rather than as template loops, which
cost about 60 µs a row: the rows of a round's table of decisions (includes/decisions.html,
0.75 ms of a page of 5 to 15 organisations) and the frozen proposal's summary cards
(includes/frozen.html, 7 cards of ~30 rows, 0.7 ms). The markup is the templates'; every
value is escaped."""

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from isf_portal.markup import escaped, format_html, format_html_join, linebreaksbr
from isf_portal.templatetags.choices import display

from ..choices import Section

register = template.Library()

TAG_CLASSES = {
    "approved": "govuk-tag--green",
    "declined": "govuk-tag--red",
    "changes_requested": "govuk-tag--orange",
}

ROW = """
  <tr class="govuk-table__row">
    <td class="govuk-table__cell">{}</td>
    <td class="govuk-table__cell">
      <strong class="govuk-tag {}">{}</strong>
      {}
      {}
    </td>
    <td class="govuk-table__cell">{}</td>
  </tr>
  """


def _decided(decision):
    """Who decided (for whom) and when, or a dash while it is pending."""
    if not decision.decided_by:
        return "–"
    on_behalf = ""
    if decision.on_behalf_of:
        for_whom = _("for %(name)s") % {"name": escaped(decision.on_behalf_of.full_name)}
        on_behalf = mark_safe(f" ({for_whom})")  # noqa: S308 - the name is escaped
    decided_at = timezone.localtime(decision.decided_at) if decision.decided_at else None
    return format_html(
        '{}{}<br><time class="govuk-body-s" datetime="{}">{}</time>',
        decision.decided_by.full_name,
        on_behalf,
        # The date filter's "c" is isoformat(), without its format lookups.
        decided_at.isoformat() if decided_at else "",
        _day_and_time(decided_at),
    )


def _day_and_time(moment) -> str:
    """`moment|date:"j M Y, H:i"` (a local time), spelt out: the filter looks up its format
    and dispatches on each of its letters, about 40 µs a row."""
    if moment is None:
        return ""
    month = MONTHS_3[moment.month].title()  # the filter's "M", in the active language
    return f"{moment.day} {month} {moment.year:04d}, {moment.hour:02d}:{moment.minute:02d}"


@register.simple_tag
def decision_rows(review):
    """The table's row for each organisation's decision in `review` (its decisions with
    their organisation and deciders read)."""
    labels = dict(Section.choices)
    sections_said = _("Sections:")
    return format_html_join(
        "",
        ROW,
        (
            (
                d.organisation.name,
                TAG_CLASSES.get(d.status, "govuk-tag--grey"),
                display(d, "status"),
                format_html(
                    '<p class="govuk-body-s govuk-!-margin-top-2 govuk-!-margin-bottom-0">{}</p>',
                    linebreaksbr(d.comment),
                )
                if d.comment
                else "",
                format_html(
                    '<p class="govuk-body-s govuk-!-margin-bottom-0">{} {}</p>',
                    sections_said,
                    ", ".join(str(labels.get(key, key)) for key in d.sections),
                )
                if d.sections
                else "",
                _decided(d),
            )
            for d in review.decisions.all()
        ),
    )


FROZEN_ROW = """
    <div class="govuk-summary-list__row govuk-summary-list__row--no-actions">
      <dt class="govuk-summary-list__key">{}</dt>
      <dd class="govuk-summary-list__value">{}</dd>
    </div>
    """


FROZEN_CARD = """
<div class="govuk-summary-card">
  <div class="govuk-summary-card__title-wrapper"><h3 class="govuk-summary-card__title">{}. {}</h3></div>
  <div class="govuk-summary-card__content"><dl class="govuk-summary-list">
    {}
  </dl></div>
</div>
"""  # noqa: E501


def frozen_rows(rows):
    """The (question, answer) rows of one section of the proposal as submitted (the
    snapshot's section_texts); an empty answer is a dash."""
    return format_html_join(
        "",
        FROZEN_ROW,
        ((question, linebreaksbr(answer) or "–") for question, answer in rows),
    )


@register.simple_tag
def frozen_cards(frozen):
    """A numbered summary card for each (section label, rows) of the proposal as submitted."""
    return format_html_join(
        "",
        FROZEN_CARD,
        ((number, label, frozen_rows(rows)) for number, (label, rows) in enumerate(frozen, 1)),
    )
