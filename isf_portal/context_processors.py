from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from insight.permissions import shown_in_navigation as insight_shown
from isf_portal.templatetags.layout import fixed_urls
from organisations.navigation import navigation


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
