from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """In-portal notifications and outgoing e-mail, sent through the outbox."""

    name = "notifications"
    verbose_name = "Notifications"
