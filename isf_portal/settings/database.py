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


def _optional_number(name: str, value: str, convert, valid, expected: str):
    """The number a variable gives (`convert`ed, `valid`), or None when it is empty; anything
    else stops start-up naming the variable and what it expects."""
    if not value.strip():
        return None
    try:
        number = convert(value)
    except ValueError:
        number = None
    if number is None or not valid(number):
        raise ImproperlyConfigured(f"{name} must be {expected}; it is {value!r}.")
    return number


def prepare_threshold(value: str) -> int | None:
    """DATABASE_PREPARE_THRESHOLD as psycopg takes it: a count of runs, or None for never."""
    return _optional_number(
        "DATABASE_PREPARE_THRESHOLD",
        value,
        int,
        lambda runs: runs >= 0,
        "a whole number of runs (0 or more), or empty to turn prepared statements off",
    )


def random_page_cost(value: str) -> float | None:
    """DATABASE_RANDOM_PAGE_COST: a positive number, or None (empty) for the server's own."""
    return _optional_number(
        "DATABASE_RANDOM_PAGE_COST",
        value,
        float,
        lambda cost: 0 < cost < 1_000_000,  # NaN and infinity fail too
        "a positive number (PostgreSQL's random_page_cost), or empty for the server's own",
    )
