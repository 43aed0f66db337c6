"""`make run`: the web server, a Celery worker and Celery beat on the embedded defaults.

SQLite and kombu's filesystem transport: no server to install. Ctrl-C stops all three.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
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


def main() -> int:
    VAR.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.setdefault("DJANGO_SETTINGS_MODULE", "isf_portal.settings.local")
    children = {name: subprocess.Popen(cmd, cwd=ROOT, env=env) for name, cmd in COMMANDS.items()}
    print(f"\nThe ISF Portal is starting on http://{HOST}:{PORT}/ (Ctrl-C stops it)\n", flush=True)

    stopping = False

    def stop(*_args):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                print(f"\n{name} stopped (exit code {child.returncode}); stopping the rest.")
                exit_code = child.returncode or 1
                stopping = True
                break
        time.sleep(0.5)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
