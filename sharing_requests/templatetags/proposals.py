from django import template

from ..choices import STATUS_TAG_CLASSES
from ..rounds.rule import RoundRule

register = template.Library()


@register.filter
def status_tag_class(status: str) -> str:
    return STATUS_TAG_CLASSES.get(status, "govuk-tag--grey")


@register.inclusion_tag("sharing_requests/includes/status_tag.html")
def proposal_status(proposal):
    return {"status": proposal.status, "label": proposal.get_status_display()}


@register.filter
def round_rule(review) -> RoundRule:
    """The rule a decision round opened under: whether its page shows a steering vote."""
    return RoundRule.from_stored(review.rule)


@register.filter
def section_labels(keys) -> str:
    """['how', 'practical'] -> 'How, Practical steps'."""
    from ..choices import Section

    labels = dict(Section.choices)
    return ", ".join(str(labels.get(key, key)) for key in keys or [])
