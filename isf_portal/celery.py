"""The Celery app. Settings come from Django's, prefixed CELERY_."""

import os

from celery import Celery, signals
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isf_portal.settings.local")

app = Celery("isf_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def _load_url_configuration(**kwargs):
    """Links in e-mails need the URL configuration, which imports every view module (the
    PDF signing library among them: over a second). Load it before the first task, not
    inside it; prefork children inherit it."""
    get_resolver().url_patterns  # noqa: B018 - imported for its side effect
