"""The proposal lists' rows, written in Python with every value escaped: the dashboard's and
the steering group's (a template loop cost more than the page's queries)."""

from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from isf_portal.markup import escaped as escape
from isf_portal.markup import format_html, format_html_join, reversed_once
from isf_portal.templatetags.govuk import calendar_date

from .proposals import proposal_status

register = template.Library()


@register.simple_tag
def steering_rows(rows, show_votes: bool):
    """The rows of the steering group's list of proposals in review (views.review
    steering_reviews). Built here rather than in the template: a template row with its list
    of decisions cost about 90 µs, 2 ms a page of 25."""
    review_url = reversed_once("requests:review")
    overdue = format_html('<br><strong class="govuk-tag govuk-tag--red">{}</strong>', _("Overdue"))
    opening = format_html("<li>{}</li>", _("Opening"))
    no_vote = _("No vote")
    return format_html_join(
        "\n",
        """  <tr class="govuk-table__row">
    <td class="govuk-table__cell"><a class="govuk-link" href="{}">{}</a><br><span class="govuk-body-s">{} · {}</span>{}</td>
    <td class="govuk-table__cell">{}</td>
    <td class="govuk-table__cell"><ul class="govuk-list govuk-body-s">{}</ul></td>
    {}
  </tr>""",  # noqa: E501 (the row's markup as the page has it)
        (
            (
                review_url(row["proposal"]["reference"]),
                row["proposal"]["title"],
                row["proposal"]["reference"],
                row["proposal"]["lead"],
                overdue if row["proposal"]["overdue"] else "",
                ngettext("%(n)s working day", "%(n)s working days", row["days"])
                % {"n": row["days"]},
                format_html_join("", "<li>{}: {}</li>", row["decisions"]) or opening,
                format_html(
                    '<td class="govuk-table__cell">{}</td>',
                    row["votes"] if row["vote_required"] else no_vote,
                )
                if show_votes
                else "",
            )
            for row in rows
        ),
    )


_DASHBOARD_ROW = """  <tr class="govuk-table__row">
    <td class="govuk-table__cell"><a class="govuk-link" href="{url}">{title}</a><br><span class="govuk-body-s">{reference}</span></td>
    <td class="govuk-table__cell">{lead}</td>
    <td class="govuk-table__cell">{status}</td>
    <td class="govuk-table__cell">{completed} {of} {sections}</td>
    <td class="govuk-table__cell"><time datetime="{iso}">{shown}</time></td>
  </tr>"""  # noqa: E501 (the row's markup as the page has it)


@register.simple_tag
def dashboard_rows(proposals, section_count: int):
    """The rows of the dashboard's table of proposals (views.dashboard proposal_list). Built
    here rather than in the template, where a row cost about 100 µs, 2 ms a page of 20; each
    value escaped with html.escape (what format_html's escaping does to a str, without its
    lazy-text wrapper), each status's tag written once a page and each date's text
    remembered (calendar_date): formatting them was a third of the rows' cost."""
    detail_url = reversed_once("requests:detail")
    of = escape(_("of"))
    sections = str(section_count)
    tags: dict[str, str] = {}
    rows = []
    for p in proposals:  # dashboard_reads.DashboardRow
        tag = tags.get(p.status)
        if tag is None:
            tag = tags[p.status] = proposal_status(p)
        last_activity = timezone.localtime(p.last_activity_at)
        rows.append(
            _DASHBOARD_ROW.format(
                url=escape(detail_url(p.reference)),
                title=escape(p.title),
                reference=escape(p.reference),
                lead=escape(p.lead),
                status=tag,
                completed=p.sections_completed,
                of=of,
                sections=sections,
                # The `date` filter's "c" is isoformat().
                iso=escape(last_activity.isoformat()),
                shown=escape(calendar_date(last_activity.date(), "j M Y")),
            )
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value above is escaped
