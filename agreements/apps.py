from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = "Data-sharing agreements"

    def ready(self):
        # Importing the receivers connects them; they import models, so not before the app
        # registry is ready.
        from . import receivers  # noqa: F401
