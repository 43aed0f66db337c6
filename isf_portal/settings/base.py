"""Settings shared by every running mode.

Everything is switched by environment variables (django-environ); the per-mode modules only
choose defaults. README.md lists every variable.
"""

import base64
import hashlib
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from .database import database_from_url, tune_database
from .sso import *  # noqa: F403  (single sign-on, two-step verification: django-allauth)
from .sso import SSO_APPS

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("ISF_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# Each mode module (local, test, production) overrides this after importing base.
ENVIRONMENT = "local"


def required(name: str, cast=str):
    """Read a variable that production must be given, naming it when it is missing."""
    value = env.get_value(name, cast=cast, default=None)
    if value in (None, "", []):
        raise ImproperlyConfigured(
            f"The environment variable {name} must be set: production settings have no default."
        )
    return value


SECRET_KEY = env.str("SECRET_KEY", default="insecure-local-only-key-never-use-in-production")
# The key of the timelines' hash chains (isf_portal/audit_chain.py). Outside production it
# defaults to one derived from SECRET_KEY with its own salt, so development needs no setting;
# production requires its own, so rotating SECRET_KEY leaves every chain verifiable.
AUDIT_CHAIN_KEY = (
    env.str("AUDIT_CHAIN_KEY", default="")
    or hashlib.sha256(b"isf_portal.audit_chain:" + SECRET_KEY.encode()).hexdigest()
)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "guardian",
    "simple_history",
    "axes",
    "django_htmx",
    "csp",
    *SSO_APPS,
    "isf_portal.apps.PortalConfig",
    "outbox",
    "organisations",
    "notifications",
    "sharing_requests",
    "agreements",
    "insight",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "isf_portal.middleware.AuthenticationMiddleware",  # Django's, the user read cheaper
    "isf_portal.middleware.SessionIdleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "isf_portal.urls"
WSGI_APPLICATION = "isf_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "isf_portal.context_processors.portal",
            ],
        },
    },
]
# GOV.UK Design System markup for every form field (templates/forms/).
FORM_RENDERER = "isf_portal.forms.GovukFormRenderer"


# --- Database --------------------------------------------------------------------------------
# The embedded default is a SQLite file; DATABASE_URL switches to PostgreSQL (database.py).
# An empty DATABASE_URL (as docker compose passes an unset variable) means "not set".
DATABASES = {
    "default": database_from_url(
        env.str("DATABASE_URL", default="") or f"sqlite:///{VAR_DIR / 'isf.sqlite3'}"
    ),
}


tune_database(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ----------------------------------------------------------------------------------
AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:signed-out"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# Sessions end after this much inactivity; a warning appears two minutes before. The session
# is renewed at most every SESSION_REFRESH_SECONDS (not written on every request), and lives
# that much longer than the idle timeout the warning counts down from.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=60)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT + SESSION_REFRESH_SECONDS
SESSION_SAVE_EVERY_REQUEST = False
# The navigation (organisations, roles, unread count) is cached per user; changes drop it.
NAVIGATION_CACHE_SECONDS = env.int("NAVIGATION_CACHE_SECONDS", default=300)
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Failed sign-ins are throttled per e-mail address and IP address (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Reverse proxies in front of the portal, each appending to X-Forwarded-For; the client's
# address is read from that header only this many entries from the right (not forgeable).
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "isf_portal.client_ip.client_ip"

# django-guardian: no anonymous user row; object permissions go to per-organisation groups.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False

INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=7)

# --- Review rounds ------------------------------------------------------------------------
# The decision rule of a review round, recorded on each round when it opens; read through
# sharing_requests.rounds.rule.RoundRule.from_settings(), whose defaults are the same.
REVIEW_RULE = {
    # A decline by any organisation ends the round at once.
    "decline_ends_round": env.bool("REVIEW_DECLINE_ENDS_ROUND", default=True),
    # Without the steering group's vote the participating organisations decide alone.
    "steering_vote_required": env.bool("REVIEW_STEERING_VOTE_REQUIRED", default=True),
    # The steering group's vote closes when all have voted, or at the deadline once this many
    # have; a majority of votes cast carries it and the chair breaks a tie.
    "steering_quorum": env.int("REVIEW_STEERING_QUORUM", default=3),
    "deadline_working_days": env.int("REVIEW_DEADLINE_WORKING_DAYS", default=15),
}
# Approvers are reminded after this many working days, then every as many again.
REVIEW_REMINDER_WORKING_DAYS = env.int("REVIEW_REMINDER_WORKING_DAYS", default=5)
# After this many working days the steering-group chair hears which organisations are overdue.
REVIEW_ESCALATION_WORKING_DAYS = env.int("REVIEW_ESCALATION_WORKING_DAYS", default=10)

# --- Agreements ---------------------------------------------------------------------------
# The electronic seal on signed agreements: its key, certificate, timestamp authority, trust
# roots and PKCS#11 token are read in settings/sealing.py. Without a key, one and a self-signed
# certificate are generated on first use in SEALING_LOCAL_DIR (outside the media storage).
from .sealing import *  # noqa: E402,F403

SEALING_LOCAL_DIR = Path(env.str("SEALING_LOCAL_DIR", default=str(VAR_DIR / "private" / "sealing")))
# The verify page's limits (settings/uploads.py), the upload checks and clamd
# (settings/uploads.py), the partner API (/api/v1/: settings/api.py).
from .api import *  # noqa: E402, F403
from .uploads import *  # noqa: E402, F403

# --- Caches -----------------------------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://isf-portal")}


def keep_redis_clients(caches: dict) -> dict:
    """Django's Redis cache, but reusing its client objects (isf_portal/cache.py)."""
    for cache in caches.values():
        if cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
            cache["BACKEND"] = "isf_portal.cache.RedisCache"
    return caches


keep_redis_clients(CACHES)

# --- Celery ------------------------------------------------------------------------------------
# The embedded default needs no server: kombu's filesystem transport, shared through var/.
CELERY_BROKER_URL = env.str("REDIS_URL", default="") or env.str(
    "CELERY_BROKER_URL", default="filesystem://"
)
CELERY_BROKER_DIR = VAR_DIR / "broker"
BROKER_TIMEOUT = env.float("BROKER_TIMEOUT", default=3.0)
# After a broker failure a process stops trying it for this long; the redispatch catches up.
OUTBOX_BROKER_COOLDOWN = env.float("OUTBOX_BROKER_COOLDOWN", default=30.0)
# Work whose own task keeps failing (never finished, or refused) goes dead after this many
# tries, for the admin to look at and retry. Broker outages never count against it.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=10)
# Done outbox rows are deleted after this many days (dead and pending ones are kept).
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=30)
# Work handed over and not finished this many seconds later (lost by the broker, or its worker
# died) is handed over again. Longer than the longest task with its retries (README).
OUTBOX_REDISPATCH_AFTER = env.float("OUTBOX_REDISPATCH_AFTER", default=600.0)
# How long a task whose worker died waits in Redis (acks are late) to run again (README).
REDIS_VISIBILITY_TIMEOUT = env.float("REDIS_VISIBILITY_TIMEOUT", default=3600.0)
# Bounded so that a hung Redis cannot hang a web request: the outbox keeps the work. Named so
# the integration tests can apply exactly these options when they point Celery at a hung port.
REDIS_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": BROKER_TIMEOUT,
    "socket_connect_timeout": BROKER_TIMEOUT,
    "max_retries": 1,
    "visibility_timeout": REDIS_VISIBILITY_TIMEOUT,  # looked for every few s (kombu: 100 s)
    "unacked_restore_interval": max(1.0, min(10.0, REDIS_VISIBILITY_TIMEOUT / 4)),
    "unacked_restore_throttle": 1,
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = dict(REDIS_BROKER_TRANSPORT_OPTIONS)
CELERY_BROKER_CONNECTION_TIMEOUT = BROKER_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Celery's Django fix-up closes the worker's database connections before and after every task,
# so each task opened a new PostgreSQL connection (a new server process, its statements
# prepared again): a quarter of a worker process's CPU for a short task such as an e-mail.
# Given a reuse count it closes them only that often; between tasks isf_portal/celery.py
# applies Django's own rule instead, as a web request does (CONN_MAX_AGE, a broken connection
# closed).
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Europe/London"
CELERY_BEAT_SCHEDULE = {
    "outbox-redispatch": {
        "task": "outbox.redispatch",
        "schedule": env.float("OUTBOX_REDISPATCH_SECONDS", default=60.0),
    },
    # Daily: outbox rows done longer ago than OUTBOX_RETENTION_DAYS are deleted.
    "outbox-purge": {
        "task": "outbox.purge",
        "schedule": crontab(hour=env.int("DAILY_TASKS_HOUR", default=7), minute=30),
    },
    # Daily: reminders, escalations and steering votes that close at their deadline.
    "review-daily": {
        "task": "requests.review_daily",
        "schedule": crontab(hour=env.int("DAILY_TASKS_HOUR", default=7), minute=0),
    },
    # Daily: agreements past their end date expire, review-date reminders (60 and 14 days).
    "agreements-lifecycle-daily": {
        "task": "agreements.lifecycle_daily",
        "schedule": crontab(hour=env.int("DAILY_TASKS_HOUR", default=7), minute=15),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- E-mail ----------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Greater Manchester Information Sharing Portal <isf@gmca.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# --- Files ----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
# Uploaded and generated documents live outside the web root and are served only through
# permission-checked views.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Never routed: no URL serves MEDIA_ROOT. (Django's live test server needs a parseable value.)
MEDIA_URL = "/media-not-served/"
STORAGES = {
    "default": {"BACKEND": "isf_portal.storage.MediaStorage"},
    "staticfiles": {"BACKEND": "isf_portal.storage.PortalStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# --- Security ----------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "isf_portal.views.csrf_failure"


def csp_hash(template: str) -> str:
    """The CSP source allowing one inline snippet: the SHA-256 of the template file it includes.

    Pages write the snippet with {% include %}, so the file is the only copy: editing it changes
    the hash here at start-up instead of silently breaking the page.
    """
    digest = hashlib.sha256((BASE_DIR / "templates" / template).read_bytes()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


# Inline snippets the policy allows, by hash: GOV.UK Frontend's body-class script on every page
# (it must run before the page renders), and only on the 500 page its styles (shown even when
# static files fail; isf_portal.views.server_error adds the hash to its own response).
CSP_INLINE_SCRIPT = [csp_hash("csp/govuk_frontend_supported.js")]
CSP_ERROR_PAGE_STYLE = [csp_hash("csp/error_page.css")]
# Origins a form may post to besides the portal's own: a form posted to the portal that is
# redirected to an identity provider is checked against form-action too.
CSP_FORM_ACTION_EXTRA = env.list("CSP_FORM_ACTION_EXTRA", default=[])
# Strict: nothing inline except the hashed snippets above, no plugins, no <base>, never framed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", *CSP_INLINE_SCRIPT],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'", *CSP_FORM_ACTION_EXTRA],
    }
}

# --- Internationalisation ------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en-gb", "English")]
TIME_ZONE = "Europe/London"
# Every string is marked for translation, but only English is configured: without another
# language, Django's translation machinery would look each string up, and miss, in every
# catalogue it has loaded (about 5 µs a string, up to 6 ms a page). Adding a language to
# LANGUAGES, or USE_I18N=true, switches it on.
USE_I18N = env.bool("USE_I18N", default=len(LANGUAGES) > 1)
USE_TZ = True

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
