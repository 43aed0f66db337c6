from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = "Organisations and people"

    def ready(self):
        # Receivers connect when their modules are imported, which needs the app registry
        # ready (they import models): so here, not at the top of this module.
        from . import navigation, signals  # noqa: F401
