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
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _

from isf_portal import markup

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
        # The same for every part of one page: asked once per context (reading the language
        # and the script prefix, thread-local values, was most of drawing a part).
        key = context.__dict__.get("_isf_fixed_key")
        if key is None:
            key = context._isf_fixed_key = _drawn_key(context)
        html = self.drawn.get(key)
        if html is None:
            fixed = template.Context({"portal_urls": fixed_urls()}, autoescape=context.autoescape)
            # {% include %} finds its template through the engine of the page being drawn.
            with fixed.bind_template(context.template):
                html = self.drawn[key] = self.nodelist.render(fixed)
        return html


def _drawn_key(context) -> tuple:
    return (get_language(), get_script_prefix(), context.autoescape)


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
    _fixed_items.clear()
    for node in list(_nodes):
        node.drawn.clear()


# The signed-in service navigation, one item as templates/base.html wrote it (the same
# whitespace, so pages stay byte for byte what they were).
_ITEM = (
    '            <li class="govuk-service-navigation__item%s">\n'
    '              <a class="govuk-service-navigation__link" href="%s"%s>%s</a>\n'
    "            </li>\n"
)
_ACTIVE = " govuk-service-navigation__item--active"
_CURRENT = ' aria-current="page"'
_GAP = "            "  # where the template had a tag alone on its line


# The fixed links' items, drawn once per (language, script prefix, link, active or not).
_fixed_items: dict[tuple, str] = {}


def _fixed_item(key: tuple, name: str, label: str, path: str, urls: dict) -> str:
    """_item(urls[name], gettext(label), path), the same text for every page it is drawn on."""
    url = urls[name]
    drawn_key = (*key, name, path == url)
    html = _fixed_items.get(drawn_key)
    if html is None:
        html = _fixed_items[drawn_key] = _item(url, _(label), path)
    return html


def _item(url: str, label, path: str) -> str:
    """One item, its URL and label escaped (a label already safe, as an organisation's with
    its escaped name, is kept)."""
    active = path == url
    return _ITEM % (
        _ACTIVE if active else "",
        escape(url),
        _CURRENT if active else "",
        conditional_escape(label),
    )


@register.simple_tag(takes_context=True)
def service_navigation(context):
    """The items of the signed-in person's service navigation (`<li>`s): the fixed links, their
    organisations with their roles, the steering group's and insight's links when they may
    see them, the unread count, administration for staff, and the sign-out form.

    Written in Python rather than with a dozen template tags per item: every value is escaped
    as the template escaped it."""
    request, nav, user = context.get("request"), context.get("nav") or {}, context.get("user")
    path = getattr(request, "path", "")
    urls = fixed_urls()
    key = (get_language(), get_script_prefix())
    parts = [
        _fixed_item(key, "home", gettext_noop("Home"), path, urls),
        _fixed_item(key, "proposals", gettext_noop("Proposals"), path, urls),
        _fixed_item(key, "register", gettext_noop("Agreements"), path, urls),
        _GAP,
    ]
    for org in nav.get("organisations", ()):
        roles = ", ".join(str(role) for role in org["roles"])
        label = markup.format_html(
            '{}<span class="govuk-visually-hidden">: {}</span>', org["short_name"], roles
        )
        parts += ["\n", _item(org["url"], label, path), _GAP]
    parts += ["\n", _GAP]
    if nav.get("steering"):
        parts += ["\n", _fixed_item(key, "steering_reviews", gettext_noop("In review"), path, urls)]
        parts += [_fixed_item(key, "steering_group", gettext_noop("Steering group"), path, urls)]
        parts += [_GAP]
    parts += ["\n", _GAP]
    if nav.get("insight"):
        parts += ["\n", _fixed_item(key, "insight", gettext_noop("Insight"), path, urls), _GAP]
    parts += ["\n", _GAP]
    unread = nav.get("unread")
    if unread:
        label = markup.format_html(
            '{} <span class="isf-count">{}<span class="govuk-visually-hidden"> {}</span></span>',
            _("Notifications"),
            localize(unread),
            _("unread"),
        )
        parts += ["\n", _item(urls["notifications"], label, path), _GAP]
    else:
        parts += [
            "\n",
            _fixed_item(key, "notifications", gettext_noop("Notifications"), path, urls),
        ]
        parts += [_GAP]
    parts += ["\n", _fixed_item(key, "account", gettext_noop("Your account"), path, urls), _GAP]
    if getattr(user, "is_staff", False):
        parts += [
            "\n",
            format_html(
                '            <li class="govuk-service-navigation__item">\n'
                '              <a class="govuk-service-navigation__link" href="{}">{}</a>\n'
                "            </li>\n",
                urls["admin"],
                _("Administration"),
            ),
            _GAP,
        ]
    token = context.get("csrf_token")
    parts += [
        "\n",
        format_html(
            '            <li class="govuk-service-navigation__item">\n'
            '              <form method="post" action="{}" class="isf-inline-form">{}\n'
            '                <button type="submit" class="govuk-service-navigation__link'
            ' isf-link-button">{}</button>\n'
            "              </form>\n"
            "            </li>\n",
            urls["sign_out"],
            format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
            if token
            else "",
            _("Sign out"),
        ),
    ]
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
