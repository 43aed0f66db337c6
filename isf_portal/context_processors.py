from django.conf import settings
from django.utils.functional import SimpleLazyObject

from organisations.navigation import navigation


def portal(request):
    """The signed-in user's organisations and roles, for the navigation on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"session_idle_timeout": settings.SESSION_IDLE_TIMEOUT}
    return {
        "nav": SimpleLazyObject(lambda: navigation(user)),
        "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT,
    }
