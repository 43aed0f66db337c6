from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "agreements"
    verbose_name = "Data-sharing agreements"

    def ready(self):
        from . import receivers  # noqa: F401  (connects the signal receivers)
