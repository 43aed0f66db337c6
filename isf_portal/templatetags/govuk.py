from django import template

register = template.Library()


@register.filter
def choice_hint(field, value):
    """The hint a choice field gives for one of its options (`choice_hints` on the field)."""
    return getattr(field, "choice_hints", {}).get(str(value), "")
