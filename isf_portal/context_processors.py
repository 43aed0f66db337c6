from django.conf import settings
from django.utils.functional import SimpleLazyObject

from insight.permissions import POLICY as INSIGHT_POLICY
from insight.permissions import Action as InsightAction
from organisations.navigation import navigation


def sees_insight(user, nav: dict) -> bool:
    """Whether to draw the Insight link: insight/permissions.py POLICY (the page answers
    rather than 404), read against the cached navigation so that no page pays a query for it.
    is_staff comes from the request's user, read afresh on every request: the cached
    navigation is not dropped when it changes."""
    region = INSIGHT_POLICY[InsightAction.VIEW_REGION]
    if (region.steering and nav["steering"]) or (region.staff and user.is_staff):
        return True
    rule = INSIGHT_POLICY[InsightAction.VIEW_ORGANISATION]
    # The navigation lists the memberships of active organisations only.
    return any(rule.allows_roles(o["role_values"], active=True) for o in nav["organisations"])


def _nav(user) -> dict:
    data = navigation(user)
    return {**data, "insight": sees_insight(user, data)}


def portal(request):
    """The signed-in user's organisations and roles, for the navigation on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"session_idle_timeout": settings.SESSION_IDLE_TIMEOUT}
    return {
        "nav": SimpleLazyObject(lambda: _nav(user)),
        "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT,
    }
