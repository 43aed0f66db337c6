"""Production: PostgreSQL, Redis, HTTPS. Secrets have no default; a missing one stops start-up."""

import os

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DEBUG", "false")

from .base import *  # noqa: E402,F403

ENVIRONMENT = "production"
from .base import database_from_url, env, keep_redis_clients, required, tune_database  # noqa: E402

SECRET_KEY = required("SECRET_KEY")
if SECRET_KEY.startswith("insecure") or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 50 characters.")
# Its own key, never derived from SECRET_KEY: changing it would make every timeline's chain
# report broken, and SECRET_KEY must stay free to rotate.
AUDIT_CHAIN_KEY = required("AUDIT_CHAIN_KEY")
if len(AUDIT_CHAIN_KEY) < 50 or AUDIT_CHAIN_KEY == SECRET_KEY:
    raise ImproperlyConfigured(
        "AUDIT_CHAIN_KEY must be a random value of at least 50 characters, not SECRET_KEY."
    )
DEBUG = False
ALLOWED_HOSTS = required("ALLOWED_HOSTS", cast=list)
DATABASES = {"default": tune_database(database_from_url(required("DATABASE_URL")))}
CELERY_BROKER_URL = required("REDIS_URL")
CACHES = keep_redis_clients(
    {"default": env.cache("CACHE_URL", default=CELERY_BROKER_URL.rsplit("/", 1)[0] + "/1")}
)
CACHES["default"].setdefault("OPTIONS", {})
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://localhost:25")
vars().update(EMAIL_CONFIG)

# HTTPS-only options: on by default; the benchmark switches them off for plain HTTP on loopback.
HTTPS = env.bool("HTTPS", default=True)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_NAME = "__Host-isf-session" if HTTPS else "isf-session"
CSRF_COOKIE_NAME = "__Host-isf-csrf" if HTTPS else "isf-csrf"
CSRF_COOKIE_HTTPONLY = True
