"""`{% fixed %}…{% endfixed %}`: a part of the layout that is the same on every page, drawn once.

Most of templates/base.html (the header, the phase banner, the footer, the links to static
files) is the same for every person and every page: translated text, the fixed links
(FIXED_URLS below) and static file URLs. Drawing its thirty-odd `{% translate %}`,
`{% static %}` and `{% include %}` nodes afresh was about a tenth of the cheapest signed-in
page. Inside `{% fixed %}` they are drawn once per template node, language,
script prefix and autoescape setting, and the same text is written on every page after that.

The part is drawn with a context that holds nothing but `portal_urls`: never the request's.
A variable of the request used inside it (the user, a form, a CSRF token) is drawn as
nothing, so what one person sees can never be written onto another person's page. Changing a
setting (as tests do) draws every part again.
"""

import functools
import weakref

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language

register = template.Library()

# The fixed links templates/base.html draws on every page, by the name it reads them under
# (`portal_urls.home`). Reversing them is the largest part of drawing the layout, and they
# cannot change while the process runs, so they are reversed once (per script prefix).
FIXED_URLS = {
    "home": "home",
    "proposals": "requests:list",
    "register": "agreements:register",
    "steering_reviews": "requests:steering-reviews",
    "steering_group": "steering-group",
    "insight": "insight:insight",
    "notifications": "notifications:list",
    "account": "accounts:account",
    "admin": "admin:index",
    "sign_in": "accounts:sign-in",
    "sign_out": "accounts:sign-out",
    "keep_alive": "accounts:keep-alive",
    "signed_out": "accounts:signed-out",
    "how_it_works": "how-it-works",
    "guidance": "guidance:index",
    "api_tokens": "api-tokens:list",
    "public_register": "public-register:list",
    "accessibility": "accessibility",
    "privacy": "privacy",
}


@functools.cache
def _fixed_urls(script_prefix: str) -> dict[str, str]:
    # reverse() reads the same prefix; the argument only keys the cache.
    return {key: reverse(name) for key, name in FIXED_URLS.items()}


def fixed_urls() -> dict[str, str]:
    """FIXED_URLS reversed, as {name in the template: path}."""
    return _fixed_urls(get_script_prefix())


_nodes: "weakref.WeakSet[FixedNode]" = weakref.WeakSet()


class FixedNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist
        self.drawn: dict[tuple, str] = {}
        _nodes.add(self)

    def render(self, context):
        key = (get_language(), get_script_prefix(), context.autoescape)
        html = self.drawn.get(key)
        if html is None:
            fixed = template.Context({"portal_urls": fixed_urls()}, autoescape=context.autoescape)
            # {% include %} finds its template through the engine of the page being drawn.
            with fixed.bind_template(context.template):
                html = self.drawn[key] = self.nodelist.render(fixed)
        return html


@register.tag
def fixed(parser, token):
    """Draw the enclosed template once and repeat it (see the module's docstring)."""
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("'fixed' takes no arguments.")
    nodelist = parser.parse(("endfixed",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError("A {% block %} cannot be inside {% fixed %}.")
    return FixedNode(nodelist)


@receiver(setting_changed)
def _forget(**kwargs):
    _fixed_urls.cache_clear()
    for node in list(_nodes):
        node.drawn.clear()
