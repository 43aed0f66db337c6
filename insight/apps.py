from django.apps import AppConfig


class InsightConfig(AppConfig):
    """Oversight across proposals and agreements: where sharing gets stuck, and how long each
    step takes. It reads every other app and nothing reads it."""

    name = "insight"
    verbose_name = "Insight"
    default_auto_field = "django.db.models.BigAutoField"
