"""PostgreSQL statements are prepared once a connection has run them: the parameters are bound
by the server and PostgreSQL stops planning a statement it has seen (planning was 43 % of its
statement time in make bench's realistic mix). DATABASE_PREPARE_THRESHOLD tunes or turns it off.
"""

import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections

from isf_portal.settings.database import POSTGRESQL, tune_database
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


def test_postgres_urls_get_the_portal_backend_and_sqlite_keeps_django_s():
    assert tune_database({"ENGINE": POSTGRES})["ENGINE"] == POSTGRESQL == "isf_portal.postgresql"
    sqlite = "django.db.backends.sqlite3"
    assert tune_database({"ENGINE": sqlite})["ENGINE"] == sqlite


def test_the_planner_s_random_read_cost_is_a_setting(monkeypatch):
    monkeypatch.delenv("DATABASE_RANDOM_PAGE_COST", raising=False)
    assert tune_database({"ENGINE": POSTGRES})["RANDOM_PAGE_COST"] == 1.1
    monkeypatch.setenv("DATABASE_RANDOM_PAGE_COST", "2")
    assert tune_database({"ENGINE": POSTGRES})["RANDOM_PAGE_COST"] == 2.0
    monkeypatch.setenv("DATABASE_RANDOM_PAGE_COST", " ")
    assert tune_database({"ENGINE": POSTGRES})["RANDOM_PAGE_COST"] is None
    for bad in ("cheap", "0", "-1"):
        monkeypatch.setenv("DATABASE_RANDOM_PAGE_COST", bad)
        with pytest.raises(ImproperlyConfigured, match="DATABASE_RANDOM_PAGE_COST"):
            tune_database({"ENGINE": POSTGRES})
    assert "RANDOM_PAGE_COST" not in tune_database({"ENGINE": "django.db.backends.sqlite3"})


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


# --- The health check (isf_portal/postgresql/base.py) ------------------------------------------
@pytest.fixture
def kept(postgres, db):
    """(a second connection to the test database, its server process id), idle between
    statements as a kept web or worker connection is between requests (the test's own runs
    inside a transaction); closed afterwards."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    yield wrapper, pid
    wrapper.close()


def _last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0]


def test_a_quiet_kept_connection_passes_the_health_check_without_a_statement(kept):
    kept, pid = kept
    assert kept.health_check_enabled
    assert kept.is_usable()
    # PostgreSQL saw nothing after the connection's own last statement: no SELECT 1.
    assert _last_statement(pid) == "SELECT pg_backend_pid()"


def test_a_connection_postgresql_ended_fails_the_check_and_the_next_query_reconnects(kept):
    kept, pid = kept
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 10
    while kept.is_usable():  # the goodbye reaches the socket a moment later
        assert time.monotonic() < deadline, "a terminated connection still passed the check"
        time.sleep(0.02)
    # What a request's first query does: the check closes it, and a new one serves.
    kept.health_check_done = False
    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_connection_inside_a_transaction_is_checked_with_a_statement(kept):
    kept, pid = kept
    kept.set_autocommit(False)
    with kept.cursor() as cursor:
        cursor.execute("SELECT 2")
    assert kept.is_usable()
    assert _last_statement(pid) == "SELECT 1"  # Django's own check, not the socket's
    kept.rollback()


def test_each_connection_tells_the_planner_the_random_read_cost(kept):
    kept, _pid = kept

    def cost(wrapper) -> str:
        with wrapper.cursor() as cursor:
            cursor.execute("SHOW random_page_cost")
            return cursor.fetchone()[0]

    assert cost(connection) == "1.1"
    assert cost(kept) == "1.1"
    kept.close()
    kept.settings_dict = {**kept.settings_dict, "RANDOM_PAGE_COST": None}
    with kept.cursor() as cursor:  # a new connection, the server's own cost
        cursor.execute("SELECT reset_val FROM pg_settings WHERE name = 'random_page_cost'")
        server = cursor.fetchone()[0]
    assert cost(kept) == server
