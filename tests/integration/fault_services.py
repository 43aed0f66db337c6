"""Throwaway servers for the fault tests (issue #13 item 7): a PostgreSQL and a Redis of their
own on free loopback ports, stopped and started by the tests, and a real Celery worker in a
process of its own (so it can be killed with SIGKILL). The shared servers the rest of the suite
uses are never touched.

PostgreSQL runs as the `postgres` user (initdb refuses root), from Debian's
/usr/lib/postgresql/<version>/bin, with fsync off: these servers hold nothing worth keeping.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

from django.db import connection

from tests.conftest import require_service
from tests.integration.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
# Debian's server binaries, the newest version installed (CI installs `postgresql`).
PG_BIN = max(
    Path("/usr/lib/postgresql").glob("*/bin"),
    key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
    default=Path("/usr/lib/postgresql/15/bin"),
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class ThrowawayRedis:
    """redis-server on a free loopback port; `persist` keeps its data across a restart (an
    append-only file synced on every write), as a production Redis does."""

    def __init__(self, workdir: Path, *, persist: bool = True) -> None:
        self.binary = shutil.which("redis-server")
        require_service("redis-server", bool(self.binary), "apt-get install redis-server")
        self.port = free_port()
        self.workdir = workdir
        self.persist = persist
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.persist else []
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.workdir),
                "--save",
                "",
                *persistence,
            ],  # fmt: skip
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: answers(self.port), timeout=10, what=f"redis-server on {self.port}")

    def kill(self) -> None:
        """Redis goes away at once (SIGKILL): what it had synced is all it keeps."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own, in a temporary folder the postgres user owns."""

    def __init__(self) -> None:
        # initdb refuses root: as root, the servers run as the postgres user.
        self.as_root = os.geteuid() == 0
        require_service(
            "PostgreSQL server binaries",
            (PG_BIN / "initdb").exists() and (not self.as_root or bool(shutil.which("runuser"))),
            "apt-get install postgresql",
        )
        self.home = Path(tempfile.mkdtemp(prefix="isf-fault-pg-"))
        if self.as_root:
            shutil.chown(self.home, "postgres")
        self.data = self.home / "data"
        self.port = free_port()
        self._as_postgres(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync",
            "-E", "UTF8", "--locale=C",
        )  # fmt: skip

    def _as_postgres(self, program: str, *args: str) -> None:
        subprocess.run(
            [*(["runuser", "-u", "postgres", "--"] if self.as_root else []), str(PG_BIN / program)]
            + list(args),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c full_page_writes=off"
        )
        self._as_postgres(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.home / "log"), "-w",
            "start",
        )  # fmt: skip

    def stop(self, mode: str = "immediate") -> None:
        """`immediate`: as a crash (every session cut, uncommitted work rolled back on start)."""
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def psql(self, database: str, sql: str | None = None, *, stdin: bytes | None = None) -> str:
        command = ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        command += ["-v", "ON_ERROR_STOP=1", "-q", "-At", "-d", database]
        result = subprocess.run(
            [*command, *(["-c", sql] if sql else [])],
            input=stdin,
            capture_output=True,
            check=True,
            timeout=60,
        )
        return result.stdout.decode().strip()

    def copy_test_database(self, name: str) -> None:
        """The test run's database (schema and the rows the test made) copied into `name`."""
        source = connection.settings_dict
        dump = subprocess.run(
            ["pg_dump", "-h", source["HOST"] or "127.0.0.1", "-p", str(source["PORT"] or 5432)]
            + ["-U", source["USER"] or "postgres", "--no-owner", "--no-privileges", source["NAME"]],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        self.psql("postgres", f"CREATE DATABASE {name}")
        self.psql(name, stdin=dump)

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self.stop()
        shutil.rmtree(self.home, ignore_errors=True)


def run_database_url() -> str:
    """The URL of the database this test run's rows are in (for processes of its own)."""
    source = connection.settings_dict
    host, port = source["HOST"] or "127.0.0.1", source["PORT"] or 5432
    return f"postgres://{source['USER'] or 'postgres'}@{host}:{port}/{source['NAME']}"


def process_env(**overrides: str) -> dict:
    """The environment of a portal process started by a fault test."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(DJANGO_SETTINGS_MODULE="isf_portal.settings.local", PYTHONUNBUFFERED="1")
    env.update(overrides)
    return env


class WorkerProcess:
    """`celery worker` as production runs it (solo pool here: one task at a time), in a
    process of its own, its output in `log`."""

    def __init__(self, env: dict, log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "isf_portal", "worker", "--pool=solo"]
                + ["--loglevel=INFO", "--without-mingle", "--without-gossip", "-n", "fault@%h"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def waiting_on_a_lock(table: str) -> bool:
    """Whether another session of this test's database waits for a row lock on `table`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query ILIKE %s",
            [f"%{table}%"],
        )
        return cursor.fetchone()[0] > 0


@contextlib.contextmanager
def row_locked(table: str, pk: int):
    """Hold `table` row `pk` FOR UPDATE from a connection of our own, until the block ends."""
    import psycopg

    with psycopg.connect(run_database_url(), autocommit=False) as held:
        held.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [pk])  # noqa: S608
        try:
            yield
        finally:
            held.rollback()
