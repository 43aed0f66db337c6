"""Production settings: no secret has a default, a missing one is named, and --deploy is clean.

Each case runs in a subprocess with a clean environment, as a server starts: the test run's own
settings module and variables must not leak in.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = ("SECRET_KEY", "AUDIT_CHAIN_KEY", "DATABASE_URL", "REDIS_URL", "ALLOWED_HOSTS")


def production_env(**overrides: str | None) -> dict:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="isf_portal.settings.production",
        SECRET_KEY=secrets.token_urlsafe(64),  # 86 random characters
        AUDIT_CHAIN_KEY=secrets.token_urlsafe(64),
        DATABASE_URL="postgres://isf:secret@db.internal:5432/isf_portal",
        REDIS_URL="redis://redis.internal:6379/0",
        ALLOWED_HOSTS="isf.gmca.example",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_refuses_to_start_without(missing):
    result = run(production_env(**{missing: None}), "-c", "import django; django.setup()")

    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert "ImproperlyConfigured" in last_line
    assert f"The environment variable {missing} must be set" in last_line
    for other in set(REQUIRED) - {missing}:
        assert other not in last_line


@pytest.mark.parametrize("missing", REQUIRED)
def test_production_treats_empty_value_as_missing(missing):
    result = run(production_env(**{missing: ""}), "manage.py", "check")

    assert result.returncode != 0
    assert f"The environment variable {missing} must be set" in result.stderr


def test_production_names_a_database_url_it_cannot_read():
    result = run(production_env(DATABASE_URL="postgress://db.internal/isf"), "manage.py", "check")

    assert result.returncode != 0
    assert "DATABASE_URL has a scheme that names no database engine ('postgress')" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run(production_env(SECRET_KEY="too-short"), "manage.py", "check")

    assert result.returncode != 0
    assert "SECRET_KEY must be a random value of at least 50 characters" in result.stderr


@pytest.mark.parametrize("value", ["too-short", "same-as-secret-key"])
def test_production_refuses_a_weak_audit_chain_key(value):
    env = production_env()
    env["AUDIT_CHAIN_KEY"] = env["SECRET_KEY"] if value == "same-as-secret-key" else value

    result = run(env, "manage.py", "check")

    assert result.returncode != 0
    assert "AUDIT_CHAIN_KEY must be a random value of at least 50 characters" in result.stderr


def test_production_passes_check_deploy():
    result = run(production_env(), "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


PRINT_SETTINGS = """
import json
import django
from django.conf import settings
django.setup()
from isf_portal.celery import app
print(json.dumps({
    "debug": settings.DEBUG,
    "broker_url": app.conf.broker_url,
    "transport_options": app.conf.broker_transport_options,
    "connection_timeout": app.conf.broker_connection_timeout,
    "serializer": app.conf.task_serializer,
    "accept_content": list(app.conf.accept_content),
    "acks_late": app.conf.task_acks_late,
    "prefetch": app.conf.worker_prefetch_multiplier,
    "eager": app.conf.task_always_eager,
    "database_engine": settings.DATABASES["default"]["ENGINE"],
    "cache_backend": settings.CACHES["default"]["BACKEND"],
}))
"""


def test_production_celery_is_bounded_json_and_late_acknowledged():
    result = run(production_env(), "-c", PRINT_SETTINGS)
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout.strip().splitlines()[-1])

    assert conf["debug"] is False
    assert conf["database_engine"] == "django.db.backends.postgresql"
    assert conf["broker_url"] == "redis://redis.internal:6379/0"
    assert conf["cache_backend"] == "isf_portal.cache.RedisCache"
    # A hung Redis must not hang a web request: every broker wait is bounded.
    options = conf["transport_options"]
    assert 0 < options["socket_timeout"] <= 5
    assert 0 < options["socket_connect_timeout"] <= 5
    assert options["max_retries"] <= 1
    assert 0 < conf["connection_timeout"] <= 5
    assert conf["serializer"] == "json"
    assert conf["accept_content"] == ["json"]
    assert conf["acks_late"] is True
    assert conf["prefetch"] == 1
    assert conf["eager"] is False
