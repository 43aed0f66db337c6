"""PostgreSQL statements are prepared once a connection has run them: the parameters are bound
by the server and PostgreSQL stops planning a statement it has seen (planning was 43 % of its
statement time in make bench's realistic mix). DATABASE_PREPARE_THRESHOLD tunes or turns it off.
"""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from isf_portal.settings.database import tune_database
from organisations.models import User

POSTGRES = "django.db.backends.postgresql"


def test_postgres_binds_on_the_server_and_prepares_after_one_run(monkeypatch):
    monkeypatch.delenv("DATABASE_PREPARE_THRESHOLD", raising=False)
    options = tune_database({"ENGINE": POSTGRES})["OPTIONS"]
    assert options == {"server_side_binding": True, "prepare_threshold": 1}


def test_the_threshold_is_a_setting_and_empty_turns_preparing_off(monkeypatch):
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", "5")
    assert tune_database({"ENGINE": POSTGRES})["OPTIONS"]["prepare_threshold"] == 5
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", "")
    assert tune_database({"ENGINE": POSTGRES})["OPTIONS"]["prepare_threshold"] is None


@pytest.mark.parametrize("value", ["one", "1.5", "-2"])
def test_a_threshold_that_is_no_count_stops_start_up_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", value)
    with pytest.raises(ImproperlyConfigured, match="DATABASE_PREPARE_THRESHOLD"):
        tune_database({"ENGINE": POSTGRES})


def test_options_a_deployment_gives_are_kept(monkeypatch):
    monkeypatch.delenv("DATABASE_PREPARE_THRESHOLD", raising=False)
    given = {"ENGINE": POSTGRES, "OPTIONS": {"server_side_binding": False, "sslmode": "require"}}
    options = tune_database(given)["OPTIONS"]
    assert options == {"server_side_binding": False, "sslmode": "require", "prepare_threshold": 1}


def test_sqlite_gets_no_postgres_options():
    options = tune_database({"ENGINE": "django.db.backends.sqlite3"})["OPTIONS"]
    assert "prepare_threshold" not in options
    assert "server_side_binding" not in options


@pytest.mark.django_db
def test_a_statement_run_twice_is_prepared_on_the_connection(postgres, member_a):
    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall() if "organisations_user" in row[0]]

    before = prepared()
    emails = User.objects.filter(pk=member_a.pk).values_list("email", flat=True)
    for _ in range(3):
        assert emails.get() == member_a.email
    statements = [s for s in prepared() if s not in before]
    assert len(statements) == 1
    assert '"organisations_user"."email"' in statements[0]
    assert "$1" in statements[0]  # bound by the server, not written into the text
