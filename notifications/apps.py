from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """E-mail and the task outbox: work that must not be lost is written here first."""

    name = "notifications"
    verbose_name = "Notifications"
