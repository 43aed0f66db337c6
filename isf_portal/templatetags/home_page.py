"""The home page's list of what awaits the user's decision (templates/home.html), its rows
written in Python: as a template loop each row's link, two `{% blocktranslate %}` and a date
filter cost about 0.1 ms here, and an approver's list has up to 40 rows (20 decisions and 20
votes). The markup and the words are the template's; every value is escaped with the
standard library's html.escape (what django.utils.html.escape does for a str, without its
lazy-text wrapper), and the date is the `date` filter's "j F Y" spelt out (the day, the
month's name in the active language, the year), on the local day as the filter shows it."""

import datetime

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from isf_portal.markup import escaped as escape
from isf_portal.markup import reversed_once

register = template.Library()

_ROW = """
      <li><a class="govuk-link" href="{}">{}</a> ({})<br>
        <span class="govuk-body-s">{} · {}</span></li>
      """


def _day(value) -> str:
    """`value|date:"j F Y"` in a template."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.day} {MONTHS[value.month]} {value.year:04d}"


def _row(review_url, proposal, first: str, second: str) -> str:
    reference = escape(proposal.reference)
    return _ROW.format(
        escape(review_url(proposal.reference)),
        escape(proposal.title),
        reference,
        first,
        second,
    )


@register.simple_tag
def awaiting_decision_rows(decisions, votes):
    """A row for each decision (`decisions`: OrganisationDecision, with its round, proposal
    and organisation) and each steering group vote (`votes`: ReviewRound, with its proposal)
    waiting for the user, as templates/home.html lists them."""
    decide, since = _("Decide for %(org)s"), _("in review since %(date)s")
    vote, closes = escape(_("Your steering group vote")), _("closes by %(date)s")
    review_url = reversed_once("requests:review")
    parts = [
        _row(
            review_url,
            d.round.proposal,
            decide % {"org": escape(d.organisation.name)},
            since % {"date": escape(_day(d.round.opened_at))},
        )
        for d in decisions
    ]
    parts.append("\n      ")
    parts.extend(
        _row(review_url, r.proposal, vote, closes % {"date": escape(_day(r.deadline))})
        for r in votes
    )
    return mark_safe("".join(parts))  # noqa: S308 - every value in it is escaped above
