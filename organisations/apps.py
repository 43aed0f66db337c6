from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = "Organisations and people"

    def ready(self):
        from . import navigation, signals  # noqa: F401

        navigation.connect_notifications()
