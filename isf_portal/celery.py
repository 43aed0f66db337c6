"""The Celery app. Settings come from Django's, prefixed CELERY_."""

import os

from celery import Celery, signals
from django.db import close_old_connections
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


@signals.task_prerun.connect
@signals.task_postrun.connect
def _close_old_connections(sender=None, **kwargs):
    """Around each task, what Django does around each request: a connection past CONN_MAX_AGE,
    or broken by an error, is closed; a healthy one is kept for the next task (settings
    CELERY_DB_REUSE_MAX keeps Celery's fix-up from closing every one). One left unusable with
    no error recorded (a task interrupted mid-statement, why Celery itself closes them all) is
    found by the health check at the next task's first query (CONN_HEALTH_CHECKS, set with
    CONN_MAX_AGE): a connection that is not idle always gets Django's SELECT 1
    (isf_portal/postgresql/base.py). A task run eagerly runs inside its caller's request and
    transaction, which own the connection."""
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()
