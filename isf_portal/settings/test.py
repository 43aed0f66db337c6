"""Test settings: PostgreSQL and Redis where reachable (always in CI), SQLite otherwise."""

import os

from isf_portal.services_probe import reachable  # noqa: E402

if not os.environ.get("DATABASE_URL") and reachable("127.0.0.1", 5432):
    os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/isf_portal"
if not os.environ.get("REDIS_URL") and reachable("127.0.0.1", 6379):
    os.environ["REDIS_URL"] = "redis://127.0.0.1:6379/15"

# Celery tasks run inline in unit tests; integration tests start a real worker.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")

from .base import *  # noqa: E402,F403

ENVIRONMENT = "test"
from .base import BASE_DIR, DATABASES, env  # noqa: E402
from .database import POSTGRESQL  # noqa: E402

REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = "memory://"  # eager by default; integration tests point at REDIS_URL
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if DATABASES["default"]["ENGINE"] == POSTGRESQL:
    # One test database per test run, so runs side by side (several engineers, or a run
    # beside a benchmark) never drop each other's database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_isf_portal_{os.getpid()}"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
STORAGES = {
    "default": {"BACKEND": "isf_portal.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_FAILURE_LIMIT = 5
# Two-step verification is off except in the tests of it (tests/organisations/test_two_step.py).
MFA_REQUIRED = False
DEBUG = False
