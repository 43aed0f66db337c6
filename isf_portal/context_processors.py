from django.conf import settings

from organisations.selectors import memberships_of, steering_seat_of


def portal(request):
    """The signed-in user's organisations and roles, for the navigation on every page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"session_idle_timeout": settings.SESSION_IDLE_TIMEOUT}

    def nav_memberships():
        return list(memberships_of(user=user))

    def unread_notifications():
        from notifications.models import Notification

        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    return {
        "nav_memberships": nav_memberships,
        "nav_unread": unread_notifications,
        "nav_steering_seat": lambda: steering_seat_of(user=user),
        "session_idle_timeout": settings.SESSION_IDLE_TIMEOUT,
    }
