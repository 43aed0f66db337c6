"""docker-compose.yml and the Dockerfile describe a stack that can run.

This machine has no Docker engine, so the compose file is validated and read with
`docker-compose config` (Debian's package docker-compose), and the services' own commands and
health checks are run here, outside containers, against the local PostgreSQL and Redis.
"""

import contextlib
import fnmatch
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
APP_SERVICES = ("web", "worker", "beat", "migrate")

# Every variable the compose file marks as required (${VAR:?message}).
REQUIRED_COMPOSE_VARIABLES = {
    "SECRET_KEY": secrets.token_urlsafe(64),
    "AUDIT_CHAIN_KEY": secrets.token_urlsafe(64),
    "POSTGRES_PASSWORD": "compose-check-password",
    "ALLOWED_HOSTS": "isf.gmca.example",
    "SITE_URL": "https://isf.gmca.example",
    "EMAIL_URL": "smtp+tls://isf:secret@smtp.gmca.example:587",
}


def docker_compose() -> str:
    path = shutil.which("docker-compose")
    require_service(
        "docker-compose", path is not None, "apt-get install docker-compose (Debian's package)"
    )
    return path


def compose_env(**overrides: str | None) -> dict:
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(REQUIRED_COMPOSE_VARIABLES)
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_compose_config(env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [docker_compose(), "--file", str(COMPOSE_FILE), "--project-directory", str(ROOT), "config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def yaml_to_data(text: str):
    """Parse YAML with PyYAML: the test environment's if it has it, else docker-compose's own.

    Debian's docker-compose is a Python program that depends on PyYAML, so its interpreter can
    always read what it printed.
    """
    try:
        import yaml
    except ImportError:
        shebang = Path(shutil.which("docker-compose")).read_text(errors="replace").splitlines()[0]
        interpreter = shebang[2:].strip().split()[0] if shebang.startswith("#!") else ""
        if not interpreter:
            pytest.fail("docker-compose is not a Python script and no YAML parser is installed")
        converted = subprocess.run(
            [
                interpreter,
                "-c",
                "import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)",
            ],
            input=text,
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return json.loads(converted.stdout)
    return yaml.safe_load(text)


@pytest.fixture(scope="module")
def compose() -> dict:
    result = run_compose_config(compose_env())
    assert result.returncode == 0, f"docker-compose config failed:\n{result.stderr}"
    return yaml_to_data(result.stdout)


def command_of(service: dict) -> list[str]:
    command = service["command"]
    return shlex.split(command) if isinstance(command, str) else list(command)


def healthcheck_of(service: dict) -> list[str]:
    return list(service.get("healthcheck", {}).get("test", []))


# --- The compose file ------------------------------------------------------------------------
def test_compose_has_the_five_services_and_a_migrate_step(compose):
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(compose["services"])
    assert compose["services"]["postgres"]["image"].startswith("postgres:16")
    assert compose["services"]["redis"]["image"].startswith("redis:7")
    assert command_of(compose["services"]["migrate"])[-3:] == ["manage.py", "migrate", "--noinput"]
    assert compose["services"]["migrate"]["restart"] == "no"


def test_app_services_are_built_from_this_repository_with_production_settings(compose):
    images = set()
    for name in APP_SERVICES:
        service = compose["services"][name]
        assert Path(service["build"]["context"]).resolve() == ROOT
        images.add(service["image"])
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "isf_portal.settings.production"
        for variable in (
            "SECRET_KEY",
            "AUDIT_CHAIN_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "REDIS_URL",
        ):
            assert service["environment"][variable], f"{name} has no {variable}"
    assert len(images) == 1, "web, worker, beat and migrate must run the same image"
    web = command_of(compose["services"]["web"])
    assert web[:2] == ["gunicorn", "isf_portal.wsgi"]
    assert "worker" in command_of(compose["services"]["worker"])
    assert "beat" in command_of(compose["services"]["beat"])
    assert compose["services"]["web"]["environment"]["DATABASE_URL"].startswith(
        "postgres://isf:compose-check-password@postgres:5432/"
    )
    assert compose["services"]["web"]["environment"]["REDIS_URL"].startswith("redis://redis:6379/")


def test_every_service_has_a_health_check(compose):
    services = compose["services"]
    assert "pg_isready" in " ".join(healthcheck_of(services["postgres"]))
    assert healthcheck_of(services["redis"])[-2:] == ["redis-cli", "ping"]
    assert "/healthz" in " ".join(healthcheck_of(services["web"]))
    assert "inspect ping" in " ".join(healthcheck_of(services["worker"]))


def test_app_services_wait_for_healthy_services_and_migrations(compose):
    for name in ("web", "worker", "beat"):
        depends_on = compose["services"][name]["depends_on"]
        assert depends_on["postgres"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
        assert depends_on["migrate"]["condition"] == "service_completed_successfully", name
    assert compose["services"]["migrate"]["depends_on"]["postgres"]["condition"] == (
        "service_healthy"
    )


def mounts(service: dict) -> dict[str, str]:
    found = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target = volume.split(":")[:2]
        else:
            source, target = volume["source"], volume["target"]
        found[target] = source
    return found


def test_data_lives_in_named_volumes(compose):
    assert {"postgres-data", "media", "private"} <= set(compose["volumes"])
    assert mounts(compose["services"]["postgres"])["/var/lib/postgresql/data"] == "postgres-data"
    for name in ("web", "worker"):
        assert mounts(compose["services"][name])["/app/var/media"] == "media", name
        # The generated sealing key lives there: it must outlive the container.
        assert mounts(compose["services"][name])["/app/var/private"] == "private", name


@pytest.mark.parametrize("variable", sorted(REQUIRED_COMPOSE_VARIABLES))
def test_compose_names_a_missing_required_variable(variable):
    result = run_compose_config(compose_env(**{variable: None}))

    assert result.returncode != 0
    assert variable in result.stderr


# --- The Dockerfile --------------------------------------------------------------------------
def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), " ".join(rest.split())))
    return instructions


def test_dockerfile_builds_assets_with_npm_and_runs_python_311_slim_as_non_root():
    instructions = dockerfile_instructions()
    froms = [args for keyword, args in instructions if keyword == "FROM"]
    assert froms[-1].split()[0] == "python:3.11-slim"
    assert any(args.startswith("node:") for args in froms[:-1])
    runs = " && ".join(args for keyword, args in instructions if keyword == "RUN")
    assert "npm ci" in runs and "npm run build" in runs
    assert "libpango-1.0-0" in runs and "libpangoft2-1.0-0" in runs
    assert "pip install -c constraints.txt" in runs
    assert "manage.py collectstatic" in runs
    user = [args for keyword, args in instructions if keyword == "USER"]
    assert user and user[-1] not in ("root", "0")


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip().rstrip("/") for line in lines if line.strip() and not line.startswith("#")]


def test_dockerfile_copies_only_what_the_build_context_has():
    ignored = dockerignore_patterns()
    for keyword, args in dockerfile_instructions():
        if keyword != "COPY" or "--from=" in args:
            continue
        *sources, _target = args.split()
        for source in sources:
            if source == ".":
                continue
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), (
                f"COPY {source}: excluded by .dockerignore"
            )
    # The image gets its own dependencies and assets: none of the developer's copies.
    for local_only in (".venv", "node_modules", "static/build", "staticfiles", "var", ".git"):
        assert local_only in ignored


COLLECTSTATIC_INTO = """
import sys

import django
from django.conf import settings

settings.STATIC_ROOT = sys.argv[1]  # not the image's /app/staticfiles
django.setup()
from django.core.management import call_command

call_command("collectstatic", *sys.argv[2:])
"""


def test_dockerfile_collectstatic_step_runs(tmp_path):
    """The build's collectstatic, with its stand-in secrets and options, passes here too."""
    require_service(
        "GOV.UK Frontend from npm",
        (ROOT / "node_modules" / "govuk-frontend" / "dist").is_dir(),
        "run `make setup` (npm ci)",
    )
    runs = [args for keyword, args in dockerfile_instructions() if keyword == "RUN"]
    step = next(args for args in runs if "collectstatic" in args)
    before, after = step.split("python manage.py collectstatic", 1)
    assignments = dict(re.findall(r"\b([A-Z_]+)=(\S+)", before))
    assert set(assignments) >= {
        "SECRET_KEY",
        "AUDIT_CHAIN_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "ALLOWED_HOSTS",
    }
    options = shlex.split(after.split("&&")[0])
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        assignments,
        DJANGO_SETTINGS_MODULE="isf_portal.settings.production",
        ISF_VAR_DIR=str(tmp_path / "var"),
    )

    result = subprocess.run(
        [sys.executable, "-c", COLLECTSTATIC_INTO, str(tmp_path / "static"), *options],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    for needed in ("build/portal.css", "js/portal.mjs", "htmx/htmx.min.js"):
        assert needed in manifest, f"{needed} was not collected"
    assert any(path.startswith("govuk/") for path in manifest)


# --- The services' commands, run here --------------------------------------------------------
def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def until_exit_zero(
    command: list[str], env: dict, *, timeout: float
) -> subprocess.CompletedProcess:
    """Run a health check every second, as Docker does, until it passes or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        result = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=False
        )
        if result.returncode == 0 or time.monotonic() > deadline:
            return result
        time.sleep(1)


@pytest.fixture
def scratch_database(postgres, django_db_blocker):
    """An empty PostgreSQL database for the migrate step, dropped afterwards."""
    from django.db import connection

    name = f"isf_compose_check_{secrets.token_hex(4)}"
    params = connection.get_connection_params()
    host, port, user = params.get("host"), params.get("port") or 5432, params.get("user")
    import psycopg

    admin = psycopg.connect(
        host=host, port=port, user=user, password=params.get("password"), dbname="postgres"
    )
    admin.autocommit = True
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        password = params.get("password") or ""
        yield f"postgres://{user}{':' + password if password else ''}@{host}:{port}/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.mark.integration
def test_compose_commands_and_health_checks_run(compose, scratch_database, redis_url, tmp_path):
    """migrate, then web and worker with their health checks, then beat: as compose runs them."""
    var_dir = str(tmp_path / "var")
    for folder in ("media", "private"):  # the image makes them
        (tmp_path / "var" / folder).mkdir(parents=True)
    port = str(free_port())

    def localise(text: str) -> str:
        # Container paths, ports and host names become this machine's; $$ is compose's escape.
        return (
            text.replace("/app/var", var_dir)
            .replace("0.0.0.0:8000", f"127.0.0.1:{port}")
            .replace("127.0.0.1:8000", f"127.0.0.1:{port}")
            .replace("$$", "$")
        )

    def service_env(name: str) -> dict:
        env = {key: str(value) for key, value in compose["services"][name]["environment"].items()}
        env = {key: localise(value) for key, value in env.items()}
        env.update(
            PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            HOME=os.environ.get("HOME", "/tmp"),
            DATABASE_URL=scratch_database,
            REDIS_URL=redis_url,
            HOSTNAME=socket.gethostname(),  # Docker sets it to the container's host name
        )
        return env

    def service_command(name: str) -> list[str]:
        return [localise(part) for part in command_of(compose["services"][name])]

    def service_healthcheck(name: str) -> list[str]:
        test = [localise(part) for part in healthcheck_of(compose["services"][name])]
        if test[0] == "CMD-SHELL":
            return ["sh", "-c", test[1]]
        assert test[0] == "CMD"
        return test[1:]

    migrate = subprocess.run(
        service_command("migrate"),
        cwd=ROOT,
        env=service_env("migrate"),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    logs = {}
    processes = {}
    try:
        for name in ("web", "worker", "beat"):
            logs[name] = open(tmp_path / f"{name}.log", "wb")  # noqa: SIM115 (closed below)
            processes[name] = subprocess.Popen(
                service_command(name),
                cwd=ROOT,
                env=service_env(name),
                stdin=subprocess.DEVNULL,
                stdout=logs[name],
                stderr=subprocess.STDOUT,
            )

        def log(name: str) -> str:
            return (tmp_path / f"{name}.log").read_text(errors="replace")[-3000:]

        for name in ("web", "worker"):
            result = until_exit_zero(service_healthcheck(name), service_env(name), timeout=60)
            assert result.returncode == 0, (
                f"{name}'s health check failed:\n{result.stdout}{result.stderr}\n{log(name)}"
            )
        assert processes["beat"].poll() is None, f"beat exited:\n{log('beat')}"
    finally:
        for process in processes.values():
            stop(process)
        for handle in logs.values():
            with contextlib.suppress(OSError):
                handle.close()
