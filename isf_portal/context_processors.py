import functools

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.functional import SimpleLazyObject

from insight.permissions import shown_in_navigation as insight_shown
from organisations.navigation import navigation

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


def _nav(user) -> dict:
    data = navigation(user)
    organisations = [
        {**o, "url": reverse("organisations:detail", args=[o["slug"]])}
        for o in data["organisations"]
    ]
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
