from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class PortalConfig(AppConfig):
    """Project-wide wiring that belongs to no single app."""

    name = "isf_portal"
    verbose_name = "ISF Portal"

    def ready(self):
        # kombu's filesystem transport needs its folders before the first message.
        if settings.CELERY_BROKER_URL.startswith("filesystem://"):
            for key in ("data_folder_in", "control_folder"):
                folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(key)
                if folder:
                    Path(folder).mkdir(parents=True, exist_ok=True)
