import datetime

from django import template
from django.urls import reverse
from django.utils import formats

from .. import permissions
from ..choices import STATUS_TAG_CLASSES, Section
from ..questions import Part, entries
from ..rounds.rule import RoundRule

register = template.Library()


@register.filter
def status_tag_class(status: str) -> str:
    return STATUS_TAG_CLASSES.get(status, "govuk-tag--grey")


@register.inclusion_tag("sharing_requests/includes/status_tag.html")
def proposal_status(proposal):
    return {"status": proposal.status, "label": proposal.get_status_display()}


@register.simple_tag(takes_context=True)
def may_download_dpia(context, proposal) -> bool:
    """Whether the person reading the page may download the proposal's DPIA."""
    request = context.get("request")
    return bool(request) and permissions.may_download_dpia(request, proposal)


@register.filter
def round_rule(review) -> RoundRule:
    """The rule a decision round opened under: whether its page shows a steering vote."""
    return RoundRule.from_stored(review.rule)


@register.filter
def section_labels(keys) -> str:
    """['how', 'practical'] -> 'How, Practical steps'."""
    labels = dict(Section.choices)
    return ", ".join(str(labels.get(key, key)) for key in keys or [])


@register.simple_tag
def answer_rows(proposal, page: str, **parts) -> list[dict]:
    """The answers of one page's declared questions (questions.py) as rows of the answers
    summary: {key, value, url}. `parts` gives the values of the page's other rows, e.g.
    vision=the vision statement's text."""
    rows = []
    for entry in entries(page):
        if entry.summary is None:
            continue
        if isinstance(entry, Part):
            value = parts[entry.name]
        else:
            value = getattr(proposal, entry.name)
            if isinstance(value, datetime.date):
                value = formats.date_format(value, "j F Y")
            elif proposal._meta.get_field(entry.name).choices:
                value = getattr(proposal, f"get_{entry.name}_display")()
            value = value or str(entry.summary_empty or "")
        rows.append(
            {
                "key": str(entry.summary),
                "value": value,
                "url": reverse(f"requests:{entry.url_name}", args=[proposal.reference]),
            }
        )
    return rows
