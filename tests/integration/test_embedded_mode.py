"""The embedded default, started as `make run` starts it, serves, sends e-mail, and stops.

SQLite, kombu's filesystem transport and the file e-mail backend in a temporary folder: the web
server, the worker and beat run as the separate processes scripts/run_embedded.py starts. Every
wait is bounded; whatever is still running at the end is killed.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def embedded_env(tmp: Path, port: int) -> dict:
    """The environment of a laptop running `make run`: none of the test run's services."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="isf_portal.settings.local",
        ISF_VAR_DIR=str(tmp / "var"),
        # django-environ drops the first slash of the path: absolute paths need four.
        DATABASE_URL=f"sqlite:///{tmp / 'db.sqlite3'}",
        EMAIL_URL=f"filemail:///{tmp / 'mail'}",
        HOST="127.0.0.1",
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    return env


def manage(env: dict, *args: str, timeout: float = 180) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, (
        f"manage.py {' '.join(args)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    )
    return result.stdout


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (from /proc: no psutil needed)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
        except OSError:  # the process ended while we looked
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; only its exit status is left


def fetch(port: int, path: str) -> tuple[int, str, str]:
    """(status, content type, body) of a GET, error statuses included."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def healthz(port: int) -> int | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


QUEUE_EMAIL = """
from django.db import transaction
from notifications.services import email_send
with transaction.atomic():
    email = email_send(
        to="embedded.check@ardwick.example",
        subject="Embedded mode check",
        template="password_reset",
        context={"user": {"full_name": "Ada Admin"}, "reset_url": "http://127.0.0.1/reset/"},
    )
print(email.pk)
"""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the child processes")
def test_embedded_default_serves_sends_email_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = embedded_env(tmp_path, port)
    mail_dir = tmp_path / "mail"
    database = tmp_path / "db.sqlite3"

    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo")

    log_path = tmp_path / "run_embedded.log"
    with open(log_path, "wb") as log:
        runner = subprocess.Popen(
            [PY, "scripts/run_embedded.py"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so cleanup can reach every child
        )

    def log_tail() -> str:
        return log_path.read_text(errors="replace")[-4000:]

    try:
        try:
            wait_for(lambda: healthz(port) == 200, timeout=60, interval=0.5, what="/healthz 200")
        except pytest.fail.Exception:
            pytest.fail(f"/healthz never answered 200; the runner said:\n{log_tail()}")
        children = children_of(runner.pid)
        # And Trafford's demo identity provider where Node.js and oidc-provider are installed.
        demo_idp = bool(shutil.which("node")) and (ROOT / "node_modules" / "oidc-provider").exists()
        expected = 4 if demo_idp else 3
        assert len(children) == expected, f"expected web, worker, beat (and IdP): {children}"

        # People demo this to colleagues: the portal's own 404, never Django's technical page.
        status, _type, html = fetch(port, "/no-such-page/")
        assert status == 404
        assert "Page not found" in html and "govuk-template" in html
        assert "URLconf" not in html
        # With DEBUG off the static files are still served, so pages keep their styles.
        status, _type, html = fetch(port, "/account/sign-in/")
        assert status == 200
        stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', html)[1]
        script = re.search(r'<script type="module" src="([^"]+)"', html)[1]
        status, content_type, css = fetch(port, stylesheet)
        assert (status, content_type.split(";")[0]) == (200, "text/css")
        assert ".govuk-header" in css or ".govuk-template" in css
        status, content_type, _js = fetch(port, script)
        assert status == 200 and "javascript" in content_type
        # E-mail links point at the port it serves on.
        site_url = manage(
            env, "shell", "-c", "from django.conf import settings; print(settings.SITE_URL)"
        )
        assert site_url.strip().splitlines()[-1] == f"http://127.0.0.1:{port}"

        email_id = int(manage(env, "shell", "-c", QUEUE_EMAIL, timeout=60).strip().splitlines()[-1])

        def sent_at():
            with sqlite3.connect(database, timeout=5) as db:
                row = db.execute(
                    "SELECT sent_at FROM notifications_email WHERE id = ?", (email_id,)
                ).fetchone()
            return row and row[0]

        try:
            wait_for(sent_at, timeout=30, interval=0.5, what="the worker to send the e-mail")
        except pytest.fail.Exception:
            pytest.fail(f"the worker did not send the e-mail; the runner said:\n{log_tail()}")
        # seed_demo's own notifications may be in the folder too: find ours, sent once.
        ours = [
            path.read_text(errors="replace")
            for path in mail_dir.glob("*.log")
            if "To: embedded.check@ardwick.example" in path.read_text(errors="replace")
        ]
        assert len(ours) == 1, f"expected the e-mail once in {mail_dir}, found it {len(ours)} times"
        assert "Subject: Embedded mode check" in ours[0]

        # Ctrl-C: the runner stops all three.
        runner.send_signal(signal.SIGINT)
        try:
            runner.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the runner did not stop within 30 s of SIGINT:\n{log_tail()}")
        wait_for(
            lambda: not any(is_running(pid) for pid in children),
            timeout=10,
            what="the web server, worker and beat to exit",
        )
    finally:
        # Whatever of the runner's process group is left (the runner was started as its leader).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(runner.pid, signal.SIGKILL)
        runner.wait(timeout=10)
