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
    assert conf["database_engine"] == "isf_portal.postgresql"
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


# --- The embedded default (`make run`) ------------------------------------------------------
def local_env(tmp_path: Path, **overrides: str) -> dict:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="isf_portal.settings.local",
        ISF_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        STATIC_ROOT=str(tmp_path / "static"),
    )
    env.update(overrides)
    return env


LOCAL_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({"DEBUG": settings.DEBUG, "SITE_URL": settings.SITE_URL,
                  "ALLOWED_HOSTS": settings.ALLOWED_HOSTS, "USE_I18N": settings.USE_I18N}))
"""


def local_settings(tmp_path: Path, **overrides: str) -> dict:
    result = run(local_env(tmp_path, **overrides), "-c", LOCAL_SETTINGS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_embedded_default_has_debug_off_unless_asked_for(tmp_path):
    assert local_settings(tmp_path)["DEBUG"] is False
    assert local_settings(tmp_path, DEBUG="true")["DEBUG"] is True


def test_translation_machinery_is_off_while_only_english_is_configured(tmp_path):
    """Every string stays marked for translation; with English alone, looking each one up
    (and missing) in every catalogue is cost without effect (issue #11). USE_I18N=true, or a
    second language in LANGUAGES, switches it on."""
    assert local_settings(tmp_path)["USE_I18N"] is False
    assert local_settings(tmp_path, USE_I18N="true")["USE_I18N"] is True


def test_embedded_default_links_e_mails_to_the_host_and_port_it_serves_on(tmp_path):
    assert local_settings(tmp_path)["SITE_URL"] == "http://127.0.0.1:8000"
    assert local_settings(tmp_path, PORT="8123")["SITE_URL"] == "http://127.0.0.1:8123"
    named = local_settings(tmp_path, HOST="isf-demo.local", PORT="9000")
    assert named["SITE_URL"] == "http://isf-demo.local:9000"
    assert "isf-demo.local" in named["ALLOWED_HOSTS"]
    # Every interface: a link needs an address a browser can open.
    assert local_settings(tmp_path, HOST="0.0.0.0")["SITE_URL"] == "http://127.0.0.1:8000"
    # An explicit SITE_URL (the address colleagues use) wins.
    explicit = local_settings(tmp_path, PORT="8123", SITE_URL="https://isf.example/")
    assert explicit["SITE_URL"] == "https://isf.example"


MISSING_PAGE = """
import django
django.setup()
from django.test import Client
response = Client().get("/no-such-page/", HTTP_HOST="127.0.0.1")
print(response.status_code)
print(response.content.decode())
"""


def test_embedded_default_shows_the_portals_own_not_found_page(tmp_path):
    result = run(local_env(tmp_path), "-c", MISSING_PAGE)
    assert result.returncode == 0, result.stderr
    status, html = result.stdout.split("\n", 1)
    assert status == "404"
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in html
    # Django's technical page lists the URL patterns to anyone.
    assert "URLconf" not in html
    assert "DEBUG = True" not in html


def test_a_web_process_collects_garbage_rarely_and_never_walks_what_it_loaded():
    """isf_portal.wsgi, as gunicorn loads it: what was loaded is frozen out of the collector's
    sight, and a young collection waits for 50,000 kept objects rather than Python's 700."""
    result = run(
        production_env(),
        "-c",
        "import gc, json, isf_portal.wsgi; "
        "print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))",
    )
    assert result.returncode == 0, result.stderr
    threshold, frozen = json.loads(result.stdout.strip().splitlines()[-1])
    assert threshold == [50_000, 10, 10]
    assert frozen > 10_000
