"""Trigram indexes for the register's text search, on PostgreSQL only.

The register searches with icontains (UPPER(column) LIKE UPPER('%text%')) on the agreement's
title and reference and on its parties' names. A B-tree index cannot serve a LIKE with a
leading wildcard; a GIN trigram index on the same UPPER(...) expression can. SQLite (the
embedded default) has no such index: the migration does nothing there.

pg_trgm ships with PostgreSQL but creating an extension may need rights the database user
lacks (a managed database); then the search still works, unindexed, and the migration says so.
"""

import logging

from django.db import migrations, transaction

logger = logging.getLogger(__name__)

INDEXES = [
    ("agreement_title_trgm", "agreements_agreement", "title"),
    ("agreement_reference_trgm", "agreements_agreement", "reference"),
    ("agreement_party_name_trgm", "agreements_agreementparty", "name"),
    ("agreement_party_short_name_trgm", "agreements_agreementparty", "short_name"),
]


def create(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception as exc:  # no right to create it: search works, only slower
        logger.warning("pg_trgm not available (%s): the register search is not indexed", exc)
        return
    with connection.cursor() as cursor:
        for name, table, column in INDEXES:
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
                f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, _table, _column in INDEXES:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("agreements", "0002_clause_library")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
