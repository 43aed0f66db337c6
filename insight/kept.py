"""The insight figures kept in the cache between changes to what they read.

The figures' statements cost about 30 ms of the database's time a visit (at 10,000
proposals) and the same answers come back until something they read changes. So the
computed figures (the data, not the page: the page is rendered every time) are kept in
Django's cache under a key made of everything they depend on:

- the scope: its period's start, the organisation (the governance officer's reach, or a
  steering member's filter), sector and data category, and `today` (the stages' ages and
  the overdue cut-off are counted up to it);
- the language (the rows carry translated labels), the time zone dates are read in, and
  the escalation period the overdue count uses;
- `data_version()`: the newest audit-history row of every table the figures read, and
  the newest applied migration (a data migration changes rows without history).

Why the history tables: every write to those models goes through a service that saves
the row with its audit history (django-simple-history writes a history row in the same
transaction, on save, delete and `bulk_create_with_history`), and the code base forbids
`QuerySet.update()` and `bulk_update()` on audited models. Reading the newest history row
of each table is a backwards look at its primary key: one small statement for all of
them, whatever the number of proposals. A comment, a notification, a timeline event or a
proposal's activity time writes no history to these tables (the chain head and
`last_activity_at` are written with an UPDATE that keeps no history and that the figures
do not read), so it leaves the figures where they are. The write paths checked are listed
in tests/insight/test_kept.py's module docstring.

Each part is the newest row's id and time: ids alone could be used twice (SQLite reuses
them after a rolled-back transaction), the time with them cannot.

The version is read before the figures are computed: a write that commits in between is
then in figures kept under the older version, which only a visit that read the older
version can be given; the next visit reads the new version and computes again."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone, translation

from agreements.models import Agreement, OutcomeUpdate, Signature
from organisations.models import Organisation
from sharing_requests.models import (
    DataItem,
    MeasurableOutcome,
    OrganisationDecision,
    Participant,
    Proposal,
    ReviewRound,
)

from .figures import Figure, Scope, figures_all

# Every model whose rows a figure or a scope filter reads (insight/figures.py, scope.py):
# proposals' statuses and dates, rounds, decisions (and the sections they send back),
# participants and data items (the filters), organisations (sectors and the names shown),
# agreements, signatures and the outcomes judged. Agreement parties are written with their
# agreement, never changed afterwards.
SOURCES = (
    Proposal,
    ReviewRound,
    OrganisationDecision,
    Participant,
    DataItem,
    MeasurableOutcome,
    Organisation,
    Agreement,
    Signature,
    OutcomeUpdate,
)
# Raised when what is kept changes shape (a Figure's fields), so older entries are not read.
KEPT_FORMAT = 1
KEPT_SECONDS = 24 * 60 * 60  # `today` is in the key: nothing is read again after a day


def _version_sql() -> str:
    quote = connection.ops.quote_name
    parts = []
    for model in SOURCES:
        table = quote(model.history.model._meta.db_table)
        for column in ("history_id", "history_date"):
            parts.append(
                f"(SELECT {quote(column)} FROM {table} "  # noqa: S608 - model names only
                f"ORDER BY {quote('history_id')} DESC LIMIT 1)"
            )
    migrations = quote(MigrationRecorder.Migration._meta.db_table)
    parts.append(f"(SELECT MAX({quote('id')}) FROM {migrations})")  # noqa: S608
    return "SELECT " + ", ".join(parts)


def data_version() -> tuple:
    """What the figures read, as it is now: one statement (see the module's docstring)."""
    sql = getattr(connection, "insight_version_sql", None)
    if sql is None:
        sql = connection.insight_version_sql = _version_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(str(value) for value in cursor.fetchone())


def figures_key(scope: Scope, version: tuple) -> str:
    organisation = scope.organisation.pk if scope.organisation is not None else None
    parts = (
        KEPT_FORMAT,
        scope.since,
        organisation,
        scope.sector,
        scope.category,
        scope.today,
        translation.get_language(),
        timezone.get_current_timezone_name(),
        settings.REVIEW_ESCALATION_WORKING_DAYS,
        version,
    )
    return "insight:figures:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def figures_kept(scope: Scope) -> list[Figure]:
    """figures_all(scope), from the cache while nothing they read has changed."""
    key = figures_key(scope, data_version())
    figures = cache.get(key)
    if figures is None:
        figures = figures_all(scope)
        cache.set(key, figures, KEPT_SECONDS)
    return figures
