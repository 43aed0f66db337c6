"""`make run`'s worker and beat dying (issue #13 item 7): scripts/run_embedded.py starts them
again after a back-off, says so, and the web server keeps serving; the e-mail the worker was
sending when it was killed is handed over again as the worker restarts (not after
OUTBOX_REDISPATCH_AFTER, left at its ten minutes here) and sent, once.

The runner is started as `make run` starts it, on this test run's PostgreSQL database (no
migration to wait for) and kombu's filesystem transport in a temporary folder. The worker is
killed while it sends: the test holds the e-mail's row lock, so the worker is inside the send
(its transaction open, the e-mail not yet sent) when SIGKILL arrives.
"""

import contextlib
import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest
from django.db import transaction

from notifications.models import Email
from notifications.services import email_send
from outbox.models import OutboxTask
from tests.integration.conftest import celery_broker, wait_for
from tests.integration.fault_services import (
    ROOT,
    free_port,
    process_env,
    row_locked,
    run_database_url,
    waiting_on_a_lock,
)
from tests.integration.test_embedded_mode import children_of, healthz

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

RECIPIENT = "worker.killed@ardwick.example"


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def child_running(runner_pid: int, word: str) -> int | None:
    """The pid of the runner's child whose command line holds `word` (worker, beat)."""
    for pid in children_of(runner_pid):
        if f" {word} " in command_of(pid) + " ":
            return pid
    return None


def load_runner():
    spec = importlib.util.spec_from_file_location("run_embedded", ROOT / "scripts/run_embedded.py")
    runner = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(runner)
    return runner


def test_the_runner_hands_over_the_dead_workers_work_once_as_it_restarts_it(tmp_path):
    """Only the worker's restart runs the handover, once per death, with the time it died."""
    runner = load_runner()
    calls = tmp_path / "handovers"
    record = "import sys; open(sys.argv[1], 'a').write(sys.argv[2] + chr(10))"
    runner.HAND_OVER = [sys.executable, "-c", record, str(calls)]
    runner.BACKOFF_FIRST = 0.1
    dies = [sys.executable, "-c", "pass"]
    lives = [sys.executable, "-c", "import time; time.sleep(60)"]
    env = process_env()
    children = {
        "web": runner.Child("web", lives, env),
        "worker": runner.Child("worker", dies, env),  # dies at once, every time
        "beat": runner.Child("beat", dies, env),
    }
    started = datetime.now().astimezone()
    try:

        def handed_over_twice() -> bool:
            return calls.exists() and len(calls.read_text().splitlines()) >= 2

        deadline = time.monotonic() + 30
        runner.supervise(
            children, lambda: handed_over_twice() or time.monotonic() > deadline, tick=0.05
        )
        time.sleep(0.5)  # a handover started by the last tick finishes writing
        lines = calls.read_text().splitlines()
        restarts = children["worker"].failures
        assert handed_over_twice(), "the worker's restarts handed nothing over"
        assert len(lines) in (restarts - 1, restarts)  # one per restart (the last may be due)
        befores = [datetime.fromisoformat(line.removeprefix("--before=")) for line in lines]
        assert all(started <= before <= datetime.now().astimezone() for before in befores)
        assert befores == sorted(befores) and len(set(befores)) == len(befores)  # each death once
        assert children["beat"].failures >= 1  # beat restarted too, but hands nothing over
    finally:
        runner.stop_all(children)


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the child processes")
def test_worker_and_beat_killed_are_restarted_and_the_web_keeps_serving(
    postgres, fault_tmp, down_redis_url
):
    # An e-mail queued while the broker is away: its outbox row waits for the redispatch,
    # which the runner's beat does every second.
    with celery_broker(down_redis_url), transaction.atomic():
        email = email_send(
            to=RECIPIENT,
            subject="Sent once, whatever happens to the worker",
            template="password_reset",
            context={"user": {"full_name": "Ada Admin"}, "reset_url": "http://127.0.0.1/r/"},
        )
    port = free_port()
    mail_dir = fault_tmp / "mail"
    env = process_env(
        ISF_VAR_DIR=str(fault_tmp / "var"),
        DATABASE_URL=run_database_url(),
        EMAIL_URL=f"filemail:///{mail_dir}",
        HOST="127.0.0.1",
        PORT=str(port),
        # The e-mail queued while the broker was away goes at beat's first redispatch; the
        # redispatch of work a worker never finished still waits its default ten minutes.
        OUTBOX_REDISPATCH_SECONDS="1",
    )
    assert "OUTBOX_REDISPATCH_AFTER" not in env
    log_path = fault_tmp / "runner.log"

    def log() -> str:
        return log_path.read_text(errors="replace")

    lock = row_locked("notifications_email", email.pk)
    lock.__enter__()  # before the runner starts: its worker cannot send the e-mail first
    with open(log_path, "wb") as out:
        runner = subprocess.Popen(
            [sys.executable, "scripts/run_embedded.py"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        try:
            wait_for(
                lambda: waiting_on_a_lock("notifications_email"),
                timeout=40,
                interval=0.2,
                what=f"the worker to start sending the e-mail; runner said:\n{log()[-3000:]}",
            )
            assert healthz(port) == 200
            worker = child_running(runner.pid, "worker")
            os.kill(worker, signal.SIGKILL)
            killed_at = time.monotonic()
            handed_over = OutboxTask.objects.get(kwargs={"email_id": email.pk}).dispatch_attempts
            # The web server keeps serving while the worker is down.
            assert healthz(port) == 200
        finally:
            lock.__exit__(None, None, None)
        # The lock is released with the worker gone: nothing was sent, nothing recorded.
        email.refresh_from_db()
        assert (email.sent_at, email.attempts) == (None, 0)

        wait_for(lambda: "worker restarted" in log(), timeout=10, what="the worker to be restarted")
        assert re.search(r"worker stopped \(exit code -9\); restarting it in 1 s", log())
        restarted = child_running(runner.pid, "worker")
        assert restarted and restarted != worker
        wait_for(
            lambda: Email.objects.filter(pk=email.pk, sent_at__isnull=False).exists(),
            timeout=40,
            what=f"the e-mail to be sent after the restart; runner said:\n{log()[-3000:]}",
        )
        took = time.monotonic() - killed_at
        print(f"worker killed; e-mail sent {took:.1f} s later")
        # The restart's back-off (1 s), then the worker's and the handover's start: seconds,
        # not OUTBOX_REDISPATCH_AFTER's ten minutes (room left for a busy machine).
        assert took < 30
        assert "Outbox: 1 task(s) the stopped worker had taken handed over again." in log()
        email.refresh_from_db()
        assert email.attempts == 1
        wait_for(
            lambda: OutboxTask.objects.filter(
                kwargs={"email_id": email.pk}, status=OutboxTask.Status.DONE
            ).exists(),
            timeout=10,
            what="the outbox row to be done",
        )
        row = OutboxTask.objects.get(kwargs={"email_id": email.pk})
        assert row.dispatch_attempts == handed_over + 1  # once more: to the new worker
        sent = [path for path in mail_dir.glob("*.log") if f"To: {RECIPIENT}" in path.read_text()]
        assert len(sent) == 1

        # Beat dies too: started again, and the web server still serves.
        beat = child_running(runner.pid, "beat")
        os.kill(beat, signal.SIGKILL)
        wait_for(lambda: "beat restarted" in log(), timeout=10, what="beat to be restarted")
        assert re.search(r"beat stopped \(exit code -9\); restarting it in 1 s", log())
        assert healthz(port) == 200
        assert runner.poll() is None

        runner.send_signal(signal.SIGINT)
        runner.wait(timeout=30)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(runner.pid, signal.SIGKILL)
        runner.wait(timeout=10)
