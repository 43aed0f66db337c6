"""`make run`: the web server, a Celery worker and Celery beat on the embedded defaults.

SQLite and kombu's filesystem transport: no server to install. Ctrl-C stops all three.

If the worker or beat dies, it is started again after a back-off (1 s, doubling to 30 s while
it keeps dying; back to 1 s once it has run for a minute), with a line saying so, and the web
server keeps serving. As the worker starts again, the outbox work the dead one had taken is
handed over again at once (`manage.py outbox_redispatch_claimed`: safe here, where there is
only ever one worker), not after OUTBOX_REDISPATCH_AFTER. If the web server dies, the rest are
stopped.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")
VAR = Path(os.environ.get("ISF_VAR_DIR", ROOT / "var"))

COMMANDS = {
    "web": [PY, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
    "worker": [
        PY,
        "-m",
        "celery",
        "-A",
        "isf_portal",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-mingle",
        "--without-gossip",
    ],
    "beat": [
        PY,
        "-m",
        "celery",
        "-A",
        "isf_portal",
        "beat",
        "--loglevel=INFO",
        "--schedule",
        str(VAR / "celerybeat-schedule"),
    ],
}

# Trafford's demo identity provider (a real OpenID Connect provider, npm's oidc-provider), when
# Node.js and the package are there: see organisations/demo.py and README "Single sign-on".
_link_host = "127.0.0.1" if HOST in ("0.0.0.0", "::", "") else HOST  # noqa: S104
if shutil.which("node") and (ROOT / "node_modules" / "oidc-provider").exists():
    COMMANDS["identity-provider"] = [
        shutil.which("node"),
        "scripts/oidc_provider.mjs",
        "--port",
        os.environ.get("DEMO_IDP_PORT", "9400"),
        "--redirect-base",
        f"http://{_link_host}:{PORT}",
    ]


# The processes restarted when they die, and how: the back-off doubles from FIRST to MAX while
# one keeps dying, and starts again from FIRST once it has run for STABLE_AFTER seconds.
RESTARTED = ("worker", "beat")
BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
STABLE_AFTER = 60.0

# Run as the worker starts again: hands over the outbox work handed to the broker before the
# dead worker stopped (its time appended as --before=...).
HAND_OVER = [PY, "manage.py", "outbox_redispatch_claimed"]


class Child:
    """One of the processes: started, watched, and (worker and beat) started again."""

    def __init__(self, name: str, command: list[str], env: dict) -> None:
        self.name, self.command, self.env = name, command, env
        self.failures = 0  # deaths in a row, each within STABLE_AFTER of its start
        self.restart_at: float | None = None
        self.stopped_at: datetime | None = None  # wall-clock time its last death was seen
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env)
        self.started_at = time.monotonic()
        self.restart_at = None

    def schedule_restart(self, now: float) -> float:
        if now - self.started_at >= STABLE_AFTER:
            self.failures = 0
        delay = min(BACKOFF_MAX, BACKOFF_FIRST * 2**self.failures)
        self.failures += 1
        self.restart_at = now + delay
        self.stopped_at = datetime.now(UTC)
        return delay

    def hand_over_claimed(self) -> subprocess.Popen | None:
        """The worker started again: hand over the work the dead one had taken, at once."""
        if self.name != "worker" or self.stopped_at is None:
            return None
        before, self.stopped_at = self.stopped_at, None
        return subprocess.Popen(
            [*HAND_OVER, f"--before={before.isoformat()}"], cwd=ROOT, env=self.env
        )


def supervise(children: dict[str, Child], should_stop, *, tick: float = 0.2) -> int:
    """Watch the children until `should_stop()` or the web server stops (its exit code)."""
    handing_over: list[subprocess.Popen] = []  # run beside the rest; reaped when done
    while not should_stop():
        now = time.monotonic()
        handing_over = [helper for helper in handing_over if helper.poll() is None]
        for name, child in children.items():
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.start()
                    print(f"{name} restarted (pid {child.process.pid})", flush=True)
                    if helper := child.hand_over_claimed():
                        handing_over.append(helper)
                continue
            code = child.process.poll()
            if code is None:
                continue
            if name not in RESTARTED:
                print(f"\n{name} stopped (exit code {code}); stopping the rest.", flush=True)
                return code or 1
            delay = child.schedule_restart(now)
            print(
                f"\n{name} stopped (exit code {code}); restarting it in {delay:.0f} s. "
                "The web server keeps serving; work it was doing is handed over again.",
                flush=True,
            )
        time.sleep(tick)
    return 0


def stop_all(children: dict[str, Child]) -> None:
    for child in children.values():
        if child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.process.kill()


def main() -> int:
    VAR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "isf_portal.settings.local")
    children = {name: Child(name, cmd, env) for name, cmd in COMMANDS.items()}
    print(f"\nThe ISF Portal is starting on http://{HOST}:{PORT}/ (Ctrl-C stops it)\n", flush=True)

    stopping = False

    def stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        return supervise(children, lambda: stopping)
    finally:
        stop_all(children)


if __name__ == "__main__":
    sys.exit(main())
