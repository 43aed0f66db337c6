import functools
import re

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.functional import SimpleLazyObject

from insight.permissions import shown_in_navigation as insight_shown
from isf_portal.templatetags.layout import fixed_urls
from organisations.navigation import navigation

_SLUG = re.compile(r"[-a-zA-Z0-9_]+")  # the <slug:> converter's: written into a URL unchanged
_MARK = "0slug0"


@functools.cache
def _detail_url(script_prefix: str) -> tuple[str, str]:
    # reverse() reads the same prefix; the argument only keys the cache.
    head, mark, tail = reverse("organisations:detail", args=[_MARK]).rpartition(_MARK)
    return head, tail


@receiver(setting_changed)
def _forget(**kwargs):
    _detail_url.cache_clear()


def _organisation_url(slug: str) -> str:
    """reverse("organisations:detail", args=[slug]), without resolving it for every item of
    every page: a slug is written into the URL as it is (anything else goes through reverse)."""
    if not _SLUG.fullmatch(slug):
        return reverse("organisations:detail", args=[slug])
    head, tail = _detail_url(get_script_prefix())
    return f"{head}{slug}{tail}"


def _nav(user) -> dict:
    data = navigation(user)
    organisations = [{**o, "url": _organisation_url(o["slug"])} for o in data["organisations"]]
    # Decided per request: is_staff, which the cached navigation does not hold, counts too.
    insight = insight_shown(
        user, steering=data["steering"], held=[o["role_values"] for o in data["organisations"]]
    )
    return {**data, "organisations": organisations, "insight": insight}


def portal(request):
    """The signed-in user's organisations and roles, for the navigation on every page."""
    user = getattr(request, "user", None)
    shared = {"portal_urls": fixed_urls(), "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT}
    if user is None or not user.is_authenticated:
        return shared
    return {**shared, "nav": SimpleLazyObject(lambda: _nav(user))}
