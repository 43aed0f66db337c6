"""How DATABASE_URL becomes Django's database settings, read into base.py: the URL checked, then
SQLite or PostgreSQL tuned for the portal. README.md lists the variables."""

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

DJANGO_POSTGRESQL = "django.db.backends.postgresql"
POSTGRESQL = "isf_portal.postgresql"  # Django's, its health check and planner tuned (base.py)


def database_from_url(url: str) -> dict:
    """Parse DATABASE_URL, naming it when django-environ does not know its scheme."""
    config = environ.Env.db_url_config(url)
    # An unknown scheme comes back as the engine itself ("postgress"), not a dotted backend.
    if "." not in config.get("ENGINE", ""):
        scheme = url.split(":", 1)[0]
        raise ImproperlyConfigured(
            f"DATABASE_URL has a scheme that names no database engine ({scheme!r}): use "
            "postgres://user:password@host:5432/name or sqlite:////absolute/path.sqlite3."
        )
    return config


def tune_database(database: dict) -> dict:
    """SQLite: WAL and a busy timeout, because the worker writes while the web server reads.
    PostgreSQL: kept connections and prepared statements."""
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("OPTIONS", {}).update(
            {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            }
        )
    else:
        if database["ENGINE"] == DJANGO_POSTGRESQL:
            # Django's backend, with a health check that skips SELECT 1 when the socket is
            # quiet and the planner's cost of a random read set (isf_portal/postgresql/base.py).
            database["ENGINE"] = POSTGRESQL
        database.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
        database.setdefault("CONN_HEALTH_CHECKS", True)
        # The planner's cost of a random page read (isf_portal/postgresql/base.py): the
        # portal's tables are read from memory, not from a spinning disk.
        database.setdefault(
            "RANDOM_PAGE_COST",
            random_page_cost(env.str("DATABASE_RANDOM_PAGE_COST", default="1.1")),
        )
        # The parameters go to PostgreSQL beside the statement, and a statement a connection
        # has run before is prepared: PostgreSQL then stops planning it again. Planning was
        # 43 % of PostgreSQL's statement time in make bench's realistic mix (most statements
        # are small look-ups by key). Behind a pooler in transaction mode that cannot keep
        # prepared statements, set DATABASE_PREPARE_THRESHOLD to an empty value.
        options = database.setdefault("OPTIONS", {})
        threshold = env.str("DATABASE_PREPARE_THRESHOLD", default="1")
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", prepare_threshold(threshold))
    return database


def prepare_threshold(value: str) -> int | None:
    """DATABASE_PREPARE_THRESHOLD as psycopg takes it: a count of runs, or None for never."""
    if not value.strip():
        return None
    try:
        threshold = int(value)
    except ValueError:
        threshold = -1
    if threshold < 0:
        raise ImproperlyConfigured(
            f"DATABASE_PREPARE_THRESHOLD must be a whole number of runs (0 or more), or empty "
            f"to turn prepared statements off; it is {value!r}."
        )
    return threshold


def random_page_cost(value: str) -> float | None:
    """DATABASE_RANDOM_PAGE_COST: a positive number, or None (empty) for the server's own."""
    if not value.strip():
        return None
    try:
        cost = float(value)
    except ValueError:
        cost = -1.0
    if not 0 < cost < 1_000_000:
        raise ImproperlyConfigured(
            f"DATABASE_RANDOM_PAGE_COST must be a positive number (PostgreSQL's "
            f"random_page_cost), or empty for the server's own; it is {value!r}."
        )
    return cost
