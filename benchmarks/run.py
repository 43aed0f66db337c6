"""`make bench`: the portal at Greater Manchester scale, measured in one run.

Creates its own PostgreSQL database, seeds it, serves it with gunicorn (production settings,
2 workers, plain HTTP on loopback), drives each page with wrk at 16 connections, counts each
page's SQL queries at 100 and at 10,000 proposals, times the register search at both sizes,
the 50-organisation review fan-out through a real Celery worker and the agreement PDF, reads
the peak memory of a web worker and the Celery worker, then drops the database.

Results print as a table and go to benchmarks/results.json.
"""

import argparse
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALES = {
    "full": {
        "organisations": 200,
        "users": 2000,
        "small": 100,
        "proposals": 10_000,
        "agreements": 2_000,
        "fanout": 50,
        "duration": 10,
        "people": 167,
        "writers": 20,
        "mix_duration": 20,
        "page_type_duration": 5,
        "renders": 30,
    },
    "tiny": {
        "organisations": 12,
        "users": 120,
        "small": 20,
        "proposals": 60,
        "agreements": 6,
        "fanout": 5,
        "duration": 1,
        "people": 40,
        "writers": 5,
        "mix_duration": 2,
        "page_type_duration": 1,
        "renders": 3,
    },
}
TARGETS = {
    "throughput_ratio": 0.25,
    "p95_ratio": 5.0,
    "fanout_s": 5.0,
    "pdf_s": 2.0,
    # Issue #11: the realistic mix with 10 writes/s against /ping in the same run, and each
    # page's in-process CPU median (benchmarks/pages.py).
    "mix_throughput_ratio": 0.06,
    "mix_p95_ratio": 20.0,
    "page_cpu_ms": 12.0,
    "pages_cpu_ms_sum": 76.5,
}
WRITE_RATES = (0, 1, 10)
# The portal as docker-compose.yml runs it: gunicorn's worker processes (WEB_CONCURRENCY's
# default there) and, during the mix, a Celery worker with WORKER_CONCURRENCY's default
# processes sending what the writes queue (e-mails), taking its share of the CPU.
WEB_WORKERS = 3
CELERY_CONCURRENCY = 2
# The pages whose in-process CPU medians are summed for the target.
SUMMED_PAGES = (
    "home",
    "dashboard",
    "proposal",
    "review",
    "steering_list",
    "register",
    "register_search",
    "agreement",
)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment(database: str, var_dir: str, port: int) -> dict:
    return {
        "DJANGO_SETTINGS_MODULE": "isf_portal.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "AUDIT_CHAIN_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "rediscache://127.0.0.1:6379/13"),
        # Plain HTTP on loopback: only the HTTPS-only options are off (README explains).
        "HTTPS": "false",
        "EMAIL_URL": "dummymail://",
        "ISF_VAR_DIR": var_dir,
        "MEDIA_ROOT": str(Path(var_dir) / "media"),
        "STATIC_ROOT": str(_static_root()),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
    }


def _static_root() -> Path:
    """Collected static files, kept between runs under var/ and named by what they are
    collected from (every source file's path, size and mtime): collecting and compressing
    the GOV.UK Frontend's 900 files takes a minute on a busy machine."""
    digest = hashlib.sha256()
    sources = [ROOT / "static", ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"]
    sources += [ROOT / "node_modules" / "htmx.org" / "dist", *ROOT.glob("*/static")]
    for source in sources:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return ROOT / "var" / f"bench-static-{digest.hexdigest()[:10]}"


def _collectstatic() -> None:
    """As a deployment does (production settings serve hashed, compressed files), once per
    version of the sources."""
    from django.conf import settings
    from django.core.management import call_command

    done = Path(settings.STATIC_ROOT) / ".collected"
    if done.exists():
        return
    for old in (ROOT / "var").glob("bench-static-*"):
        shutil.rmtree(old, ignore_errors=True)
    call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=["ext", "scss"])
    done.touch()


def _admin_connection():
    import psycopg

    return psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True)


def _create_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop_database(name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set size."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


def _children(pid: int) -> list[int]:
    try:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    except OSError:
        return []
    return [int(x) for x in out.split()]


def _spawn(env: dict, module: str, *args: str) -> subprocess.Popen:
    """`python -m module args` from the project, its output discarded (a pipe nobody read
    would stall the process once full)."""
    return subprocess.Popen(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _start_worker(env: dict, *options: str) -> subprocess.Popen:
    return _spawn(
        env,
        "celery",
        "-A",
        "isf_portal",
        "worker",
        *options,
        "--loglevel=WARNING",
        "--without-mingle",
        "--without-gossip",
    )


def _stop_worker(worker: subprocess.Popen) -> None:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()


def _wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


def session_cookie(user) -> str:
    from benchmarks.mix import session_cookie

    return session_cookie(user)


def _wrk(url: str, duration: float, script: str, *, headers=None, args=()) -> dict:
    """wrk, 2 threads, 16 connections, for `duration` s; the script prints one WRKJSON line."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise RuntimeError("wrk is not installed (Debian: apt-get install wrk)")
    cmd = [wrk, "-t2", "-c16", f"-d{max(1, round(duration))}s", "--timeout", "10s", "-s", script]
    for key, value in (headers or {}).items():
        cmd += ["-H", f"{key}: {value}"]
    cmd.append(url)
    if args:
        cmd += ["--", *args]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result for {url}: {out.stdout}{out.stderr}")
    data = json.loads(line[len("WRKJSON ") :])
    return {
        "requests": data["requests"],
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "p50": data["p50_us"] / 1000,
        "p95": data["p95_us"] / 1000,
        "errors": data["errors"],
        "not_200": data.get("not_200", 0),
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Bench:
    def __init__(self, scale: str, duration: float | None, output: Path, mix_duration=None):
        self.mix_duration = mix_duration
        self.phases: dict[str, float] = {}
        self.costs = None
        self.mix_rows = []
        self.mix_cpu = {}
        self.scale = SCALES[scale]
        self.scale_name = scale
        self.duration = duration or self.scale["duration"]
        self.output = output
        self.results: list[dict] = []
        self.pages: dict[str, dict] = {}

    def phase(self, name: str) -> None:
        """Wall time per phase of the run, printed as it goes (stderr) and kept."""
        now = time.monotonic()
        if getattr(self, "_phase", None):
            label, since = self._phase
            self.phases[label] = round(now - since, 1)
            print(f"bench: {label} took {now - since:.1f} s", file=sys.stderr, flush=True)
        self._phase = (name, now) if name else None

    def add(self, name, value, unit, **extra):
        self.results.append({"name": name, "value": round(value, 4), "unit": unit, **extra})

    # --- data -------------------------------------------------------------------------
    def seed_small(self):
        from benchmarks.seed import seed

        started = time.monotonic()
        counts = seed(
            organisations=self.scale["organisations"],
            users=self.scale["users"],
            proposals=self.scale["small"],
            agreements=max(2, self.scale["small"] // 5),
        )
        self._analyze()
        self.seed_seconds = time.monotonic() - started
        return counts

    def grow(self):
        from benchmarks.seed import grow

        started = time.monotonic()
        counts = grow(to=self.scale["proposals"])
        self._analyze()
        self.seed_seconds += time.monotonic() - started
        self.add("seed_time", self.seed_seconds, "s", about="seeding both databases")
        return counts

    @staticmethod
    def _analyze():
        """Planner statistics for the freshly loaded tables, as a live database has (the
        autovacuum daemon would gather them minutes later, in the middle of the run)."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def choose_pages(self):
        """One realistic user and URL per page, fixed before the data grows."""
        from agreements.models import Agreement
        from organisations.models import Membership, SteeringGroupMember
        from sharing_requests.models import DecisionStatus, OrganisationDecision

        decision = (
            OrganisationDecision.objects.filter(
                status=DecisionStatus.PENDING, round__closed_at__isnull=True
            )
            .select_related("round__proposal")
            .order_by("pk")
            .first()
        )
        proposal = decision.round.proposal
        approver = (
            Membership.objects.filter(organisation_id=decision.organisation_id, is_approver=True)
            .exclude(user_id=proposal.submitted_by_id)
            .select_related("user")
            .first()
            .user
        )
        member = (
            Membership.objects.filter(organisation_id=proposal.lead_organisation_id, is_member=True)
            .select_related("user")
            .first()
            .user
        )
        steering = SteeringGroupMember.objects.select_related("user").first().user
        agreement = Agreement.objects.order_by("pk").first()
        party_member = (
            Membership.objects.filter(organisation_id=agreement.parties.first().organisation_id)
            .first()
            .user
        )
        word = proposal.title.split()[0].lower()
        self.pages = {
            "trivial": {"url": "/ping", "user": None},
            "home": {"url": "/", "user": approver},
            "dashboard": {"url": "/proposals/", "user": member},
            "proposal": {"url": f"/proposals/{proposal.reference}/", "user": member},
            "review": {"url": f"/proposals/{proposal.reference}/review/", "user": approver},
            "steering_list": {"url": "/proposals/in-review/", "user": steering},
            "register": {"url": "/agreements/", "user": member},
            "register_search": {"url": f"/agreements/?q={word}", "user": member},
            "agreement": {"url": f"/agreements/{agreement.reference}/", "user": party_member},
        }
        self.search_word = word

    # --- measurements -------------------------------------------------------------------
    def count_queries(self, label: str):
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        for name, page in self.pages.items():
            client = Client()
            if page["user"] is not None:
                client.force_login(
                    page["user"], backend="django.contrib.auth.backends.ModelBackend"
                )
            client.get(page["url"])  # warm caches (sessions, permissions)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(page["url"])
            if response.status_code != 200:
                raise RuntimeError(f"{name} {page['url']} answered {response.status_code}")
            page.setdefault("queries", {})[label] = len(queries)
            self.add(
                f"queries_{name}_{label}",
                len(queries),
                "queries",
                about="SQL queries for one request (warm) at "
                + ("100 proposals" if label == "small" else "full scale"),
            )

    def time_search(self, label: str, repeat: int = 20):
        from agreements import register

        filters = register.RegisterFilters(q=self.search_word, status=register.ANY_STATUS)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            list(register.register_entries(filters=filters)[:25])
            times.append(time.perf_counter() - started)
        self.add(f"register_search_{label}", statistics.median(times) * 1000, "ms")

    def start_web(self, env: dict, port: int):
        self.env = env
        self.web = _spawn(
            env,
            "gunicorn",
            "isf_portal.wsgi:application",
            f"--workers={WEB_WORKERS}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        )
        _wait_http(f"http://127.0.0.1:{port}/ping")

    def load(self, port: int, suffix: str = ""):
        script = str(ROOT / "benchmarks" / "wrk_report.lua")
        for name, page in self.pages.items():
            url = f"http://127.0.0.1:{port}{page['url']}"
            headers = {}
            if page["user"] is not None:
                headers["Cookie"] = session_cookie(page["user"])
            cookies = self._check_page(url, headers, name)
            if cookies and "Cookie" in headers:
                # As a browser does: the cookies the first page set (the CSRF cookie) go back.
                headers["Cookie"] = "; ".join([headers["Cookie"], *cookies])
            figures = _wrk(url, self.duration, script, headers=headers)
            page[suffix] = figures
            about = (
                "single page: one signed-in user fetching this one URL at 16 connections, "
                "every request rendered"
            )
            self.add(
                f"rps_{name}{suffix}",
                figures["rps"],
                "req/s",
                about=about,
                errors=figures["errors"],
            )
            self.add(f"p50_{name}{suffix}", figures["p50"], "ms", about=about)
            self.add(f"p95_{name}{suffix}", figures["p95"], "ms", about=about)
        trivial = self.pages["trivial"][suffix]
        # Every request is rendered: there is no whole-page cache to answer repetitions.
        targeted = not suffix
        for name, page in self.pages.items():
            if name == "trivial":
                continue
            figures = page[suffix]
            self.add(
                f"throughput_ratio_{name}{suffix}",
                figures["rps"] / trivial["rps"],
                "ratio",
                about="single page req/s and p95 divided by /ping's, same run",
                numerator=round(figures["rps"], 2),
                denominator=round(trivial["rps"], 2),
                **({"target": f">= {TARGETS['throughput_ratio']}"} if targeted else {}),
            )
            self.add(
                f"p95_ratio_{name}{suffix}",
                figures["p95"] / max(trivial["p95"], 0.001),
                "ratio",
                about="single page req/s and p95 divided by /ping's, same run",
                numerator=round(figures["p95"], 2),
                denominator=round(trivial["p95"], 2),
                **({"target": f"<= {TARGETS['p95_ratio']}"} if targeted else {}),
            )

    def mix(self, port: int):
        """The realistic mix (benchmarks/mix.py): the population's (cookie, URL) pairs under
        wrk at 16 connections while other people post comments at 0, 1 and 10 per second;
        then each page type alone; `/ping` measured just before, as the ceiling."""
        from benchmarks import mix

        started = time.monotonic()
        population = mix.build(people=self.scale["people"], writers=self.scale["writers"])
        about = population.describe()
        self.add(
            "mix_population",
            about["people"],
            "people",
            about="signed-in people browsing (sessions made by the session store with the "
            "auth hash), each 10-20 pages they may see",
            build_seconds=round(time.monotonic() - started, 1),
            **about,
        )
        workdir = Path(tempfile.mkdtemp(prefix="isf-bench-mix-"))
        base = f"http://127.0.0.1:{port}"
        script = str(ROOT / "benchmarks" / "mix.lua")
        duration = self.scale["mix_duration"] if self.mix_duration is None else self.mix_duration
        short = self.scale["page_type_duration"] if self.mix_duration is None else duration
        ping = _wrk(f"{base}/ping", self.duration, str(ROOT / "benchmarks" / "wrk_report.lua"))
        self.mix_ping = ping
        self.add(
            "mix_ping_rps",
            ping["rps"],
            "req/s",
            about="/ping (full middleware stack, no database) just before the mix: the ceiling",
            p50=round(ping["p50"], 2),
            p95=round(ping["p95"], 2),
        )
        every = workdir / "mix.tsv"
        mix.write_file(every, population.visits)
        mix.WriteLoad(port, population.writers, 0).prepare()
        self.mix_rows = []
        # The writes' e-mails are sent while people browse, as in production.
        worker = _start_worker(self.env, f"--concurrency={CELERY_CONCURRENCY}")
        try:
            self._wait_for_worker()
            self._mix_rates(port, population, every, duration, ping, worker.pid)
        finally:
            _stop_worker(worker)
        for kind in mix.MIX:
            visits = [v for v in population.visits if v.kind == kind]
            if not visits:
                continue
            path = workdir / f"{kind}.tsv"
            mix.write_file(path, visits)
            # One request first, so a failing page shows even if none finishes under load.
            self._check_page(f"{base}{visits[0].url}", {"Cookie": visits[0].cookie}, kind)
            figures = _wrk(f"{base}/", short, script, args=[str(path)])
            self._mix_figures(
                f"mix_page_{kind}",
                figures,
                ping,
                target=False,
                about=f"the population's {kind} URLs alone, no writes",
            )
            self.mix_rows.append((kind, 0, figures, 0, 0))
        shutil.rmtree(workdir, ignore_errors=True)

    def _mix_rates(self, port, population, every: Path, duration: float, ping: dict, worker_pid):
        """The whole mix at each write rate (a Celery worker running), with where the
        machine's CPU went per request (benchmarks/cpu.py)."""
        from django.utils import timezone

        from benchmarks import cpu, mix
        from notifications.models import Email
        from sharing_requests.models import VisionComment

        base = f"http://127.0.0.1:{port}"
        script = str(ROOT / "benchmarks" / "mix.lua")
        for rate in WRITE_RATES:
            before = VisionComment.objects.count()
            started = timezone.now()
            measured = cpu.available()
            cpu_before = cpu.snapshot(self.web.pid, worker_pid) if measured else None
            with mix.WriteLoad(port, population.writers, rate) as writes:
                figures = _wrk(f"{base}/", duration, script, args=[str(every)])
            if measured:
                spent = cpu.per_request(
                    cpu_before, cpu.snapshot(self.web.pid, worker_pid), figures["requests"]
                )
                self.mix_cpu[rate] = spent
                self.add(
                    f"mix_w{rate}_cpu_per_request",
                    spent["total"],
                    "ms",
                    about="CPU milliseconds per mix request, every core of the machine, by "
                    "process group (/proc before and after the run): web workers, PostgreSQL, "
                    "Celery worker, Redis, rest (wrk, writers, kernel)",
                    **{group: spent[group] for group in cpu.GROUPS},
                )
            time.sleep(0.5 if rate else 0)  # the last posts in flight finish
            stored = VisionComment.objects.count() - before
            self._mix_figures(
                f"mix_w{rate}",
                figures,
                ping,
                target=rate == max(WRITE_RATES),
                about=f"realistic mix, all page types, {rate} writes/s by other people",
            )
            self.add(
                f"mix_writes_w{rate}",
                writes.made / max(writes.seconds, 0.001),
                "writes/s",
                about=f"comments posted through the app by other signed-in people (asked: "
                f"{rate}/s); made = answered 302, stored = new rows in the database",
                made=writes.made,
                stored=stored,
                statuses={str(k): v for k, v in writes.statuses.items()},
                emails_sent=Email.objects.filter(sent_at__gte=started).count(),
            )
            self.mix_rows.append(("all pages", rate, figures, writes.made, stored))

    def _mix_figures(self, name: str, figures: dict, ping: dict, *, target: bool, about: str):
        about += ": req/s, p50, p95 at 16 connections, and req/s and p95 over /ping's"
        self.add(
            f"{name}_rps",
            figures["rps"],
            "req/s",
            about=about,
            requests=figures["requests"],
            errors=figures["errors"],
            not_200=figures["not_200"],
        )
        self.add(f"{name}_p50", figures["p50"], "ms", about=about)
        self.add(f"{name}_p95", figures["p95"], "ms", about=about)
        extra = {"target": f">= {TARGETS['mix_throughput_ratio']}"} if target else {}
        self.add(
            f"{name}_throughput_ratio",
            figures["rps"] / ping["rps"],
            "ratio",
            about=about,
            numerator=round(figures["rps"], 2),
            denominator=round(ping["rps"], 2),
            **extra,
        )
        extra = {"target": f"<= {TARGETS['mix_p95_ratio']}"} if target else {}
        self.add(
            f"{name}_p95_ratio",
            figures["p95"] / max(ping["p95"], 0.001),
            "ratio",
            about=about,
            numerator=round(figures["p95"], 2),
            denominator=round(ping["p95"], 2),
            **extra,
        )

    def page_costs(self):
        """Each page's in-process CPU median (benchmarks/pages.py, when present): the web
        process's CPU time for one request through the full middleware stack, warm."""
        try:
            from benchmarks.pages import page_costs
        except ImportError:
            self.costs = None
            return
        try:
            self.costs = page_costs(renders=self.scale["renders"], people=self.scale["people"])
        except Exception as error:  # noqa: BLE001 - reported, and the other figures kept
            self.costs = None
            self.add("page_costs_error", 1, "error", about=f"{type(error).__name__}: {error}")
            return
        for page, cost in self.costs.items():
            self.add(
                f"cpu_ms_{page}",
                cost["cpu_ms_median"],
                "ms",
                about=f"in-process CPU median over {cost.get('visits', 1)} of the mix "
                "population's visits of this page (time.process_time, full middleware stack, "
                "warm process); one_* = one user on one object, rendered "
                f"{self.scale['renders']} times",
                wall_ms=cost.get("wall_ms_median"),
                sql_ms=cost.get("sql_ms_median"),
                queries=cost.get("queries"),
                visits=cost.get("visits", 1),
                one_cpu_ms=cost.get("one", cost)["cpu_ms_median"],
                one_queries=cost.get("one", cost)["queries"],
                target=f"<= {TARGETS['page_cpu_ms']}",
            )
        summed = [page for page in SUMMED_PAGES if page in self.costs]
        self.add(
            "cpu_ms_sum",
            sum(self.costs[page]["cpu_ms_median"] for page in summed),
            "ms",
            about="sum of the eight pages' in-process CPU medians (153 ms before issue #11)",
            pages=summed,
            target=f"<= {TARGETS['pages_cpu_ms_sum']}",
        )

    @staticmethod
    def _check_page(url: str, headers: dict, name: str) -> list[str]:
        """One request first: a page that redirects or fails would only show as wrk errors.
        Returns the cookies it set ("name=value"), which a browser would send back."""
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                status = response.status
                set_cookies = response.headers.get_all("Set-Cookie") or []
        except urllib.error.HTTPError as error:
            status = error.code
        if status != 200:
            raise RuntimeError(f"{name} {url} answered {status} under gunicorn")
        from django.conf import settings

        session = settings.SESSION_COOKIE_NAME + "="
        return [c.split(";", 1)[0] for c in set_cookies if not c.startswith(session)]

    def fanout(self, env: dict):
        """Submit a proposal with N participating organisations; time until one worker has
        opened the round and sent every review request."""
        from django.db import transaction
        from django.utils import timezone

        from isf_portal.celery import app
        from notifications.models import Email
        from organisations.models import Membership, Organisation
        from outbox.models import OutboxTask
        from sharing_requests import services
        from sharing_requests.models import Participant, Proposal, ReviewRound

        # Whatever the mix's writes left unsent in the broker (its worker stopped with it) is
        # no part of this measurement: it starts on an empty queue, or a worker started now
        # would send that backlog before it reached the round (a 10 s fanout_time once did).
        backlog = app.control.purge()
        worker = _start_worker(env, "--pool=solo")
        try:
            self._wait_for_worker()
            orgs = list(
                Organisation.objects.filter(slug__startswith="bench-").order_by("pk")[
                    : self.scale["fanout"]
                ]
            )
            lead = orgs[0]
            author = Membership.objects.filter(organisation=lead, is_member=True).first().user
            template = Proposal.objects.filter(status="draft").first()
            with transaction.atomic():
                proposal = services.proposal_create(
                    lead_organisation=lead, by=author, title="Fan-out benchmark"
                )
                fields = [
                    "problem",
                    "benefits",
                    "data_subjects",
                    "transfer_method",
                    "frequency",
                    "security_measures",
                    "access_controls",
                    "storage_location",
                    "review_date",
                    "review_frequency",
                    "success_measures",
                    "retention",
                    "end_of_sharing",
                    "early_termination",
                    "end_date",
                    "dpia_screened",
                    "dpia_indicators",
                ]
                Proposal.objects.filter(pk=proposal.pk).update(
                    **{f: getattr(template, f) for f in fields}
                )
                Participant.objects.filter(proposal=proposal).update(
                    role="both", controller_role="controller"
                )
                for org in orgs[1:]:
                    Participant.objects.create(
                        proposal=proposal,
                        organisation=org,
                        role="both",
                        controller_role="controller",
                        contact_name="Contact",
                        contact_email="contact@bench.example",
                    )
            proposal.refresh_from_db()
            started_at = timezone.now()
            started = time.monotonic()
            # Submitting skips the completeness check: the benchmark measures the fan-out.
            with transaction.atomic():
                from sharing_requests.models import ProposalVersion
                from sharing_requests.snapshot import build

                locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
                version = ProposalVersion.objects.create(
                    proposal=locked, number=1, snapshot=build(locked), created_by=author
                )
                Proposal.objects.filter(pk=proposal.pk).update(
                    status="in_review", submitted_at=started_at, submitted_by=author
                )
                from outbox.services import outbox_enqueue
                from sharing_requests.tasks import open_review_round

                outbox_enqueue(task=open_review_round, kwargs={"version_id": version.pk})
            # Created: the round is open and every review request and e-mail exists (the
            # opening task committed). Sent: the worker has also handed each e-mail over.
            created = None
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if created is None and ReviewRound.objects.filter(proposal=proposal).exists():
                    created = time.monotonic() - started
                pending = OutboxTask.objects.filter(
                    created_at__gte=started_at, completed_at__isnull=True
                ).count()
                if created is not None and pending == 0:
                    break
                time.sleep(0.02)
            sent = time.monotonic() - started
            emails = Email.objects.filter(created_at__gte=started_at).count()
            decisions = ReviewRound.objects.get(proposal=proposal).decisions.count()
            self.add(
                "fanout_time",
                created if created is not None else sent,
                "s",
                organisations=len(orgs),
                decisions=decisions,
                emails=emails,
                target=f"< {TARGETS['fanout_s']}",
                purged_before=backlog,
            )
            self.add("fanout_emails_sent_time", sent, "s", emails=emails)
            self.worker_rss = _peak_rss_mb(worker.pid)
        finally:
            _stop_worker(worker)

    @staticmethod
    def _wait_for_worker(timeout: float = 120) -> None:
        """The clock starts when the worker answers, not while it boots."""
        from isf_portal.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if app.control.ping(timeout=1.0):
                return
        raise RuntimeError("the Celery worker did not start")

    def pdf(self):
        from benchmarks import pdf  # needs Django set up, which run() does first

        timings = pdf.benchmark(parties=10, items=40)
        full, one = timings["agreement_seconds"], timings["one_page_seconds"]
        self.add(
            "agreement_pdf", full, "s", target=f"< {TARGETS['pdf_s']}", parties=10, data_items=40
        )
        self.add("one_page_pdf", one, "s")
        self.add("agreement_pdf_ratio", full / one, "ratio", numerator=full, denominator=one)

    def machine(self) -> dict:
        from django.db import connection

        from benchmarks import cpu

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            pg_version = cursor.fetchone()[0]
        return {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgresql": pg_version,
            "platform": platform.platform(),
            "scale": self.scale_name,
            # Plain-Python speed: millisecond figures from different machines compare after
            # dividing by it (benchmarks/cpu.py).
            "python_reference_ms": cpu.reference_ms(),
        }

    def report(self, machine: dict):
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self.output.write_text(json.dumps({"machine": machine, "results": self.results}, indent=2))
        width = max(len(r["name"]) for r in self.results)
        print(
            f"\nISF Portal benchmark ({machine['scale']}): {machine['cpus']} CPUs, Python "
            f"{machine['python']}, PostgreSQL {machine['postgresql']}, plain-Python reference "
            f"{machine['python_reference_ms']} ms CPU"
        )
        about = None
        for row in self.results:
            if row.get("about") and row["about"] != about:
                about = row["about"]
                print(f"  -- {about}")
            extra = ""
            if "numerator" in row:
                extra = f"  ({row['numerator']} / {row['denominator']})"
            if "target" in row:
                extra += f"  target {row['target']}: {'met' if met(row) else 'MISSED'}"
            print(f"  {row['name']:<{width}}  {row['value']:>12} {row['unit']:<8}{extra}")
        self.print_mix()
        self.print_costs()
        missed = [r["name"] for r in self.results if "target" in r and not met(r)]
        print(f"\nTargets missed: {', '.join(missed) if missed else 'none'}")
        print(f"Written to {self.output}")

    def print_mix(self):
        if not self.mix_rows:
            return
        rows = {r["name"]: r for r in self.results}
        people = rows["mix_population"]
        ping = self.mix_ping
        print(
            f"\nRealistic mix: {people['people']} signed-in people of {people['organisations']} "
            f"organisations (roles {people['roles']}, {people['steering_seats']} steering seats), "
            f"{people['urls']} (cookie, URL) pairs over {people['proposals']} proposals and "
            f"{people['agreements']} agreements, mix {people['mix_percent']}; wrk 16 "
            f"connections; comments posted by {people['writers']} other people."
        )
        print(
            f"Ratios are to /ping measured just before in this run: {ping['rps']:.0f} req/s, "
            f"p95 {ping['p95']:.2f} ms. Every request is rendered (no cache of whole responses)."
        )
        print(
            f"  {'pages':<24}{'writes/s':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
            f"{'x /ping':>9}{'p95 x':>8}{'not 200':>9}{'written':>9}"
        )
        for kind, rate, figures, made, stored in self.mix_rows:
            written = f"{made}/{stored}" if rate else ""
            print(
                f"  {kind:<24}{rate:>9}{figures['rps']:>9.1f}{figures['p50']:>9.1f}"
                f"{figures['p95']:>9.1f}{figures['rps'] / ping['rps']:>9.3f}"
                f"{figures['p95'] / max(ping['p95'], 0.001):>8.1f}"
                f"{figures['not_200'] + figures['errors']:>9}{written:>9}"
            )
        print(
            "  (written: comments answered 302 / rows stored; page-type rows: that type's URLs "
            "alone, no writes)"
        )
        if self.mix_cpu:
            from benchmarks.cpu import GROUPS

            print(
                "Where the CPU went, ms per mix request over all cores (the mix's req/s is the "
                "cores' time divided by the total):"
            )
            print(f"  {'writes/s':>9}" + "".join(f"{g:>12}" for g in (*GROUPS, "total")))
            for rate, spent in self.mix_cpu.items():
                print(f"  {rate:>9}" + "".join(f"{spent[g]:>12.2f}" for g in (*GROUPS, "total")))

    def print_costs(self):
        if self.costs is None:
            failed = next((r for r in self.results if r["name"] == "page_costs_error"), None)
            why = f"failed: {failed['about']}" if failed else "benchmarks/pages.py is not here."
            print(f"\nPer-page in-process CPU: {why}")
            return
        print(
            "\nPer-page in-process cost in this process, median over that page's visits in "
            "the mix's population (different people and objects, one request each; CPU = "
            "time.process_time of one request through the full middleware stack, warm; "
            "PostgreSQL's own CPU is not in it, its SQL wall time is beside it); 'one' = one "
            f"user on one object rendered {self.scale['renders']} times:"
        )
        print(
            f"  {'page':<18}{'visits':>7}{'CPU ms':>8}{'wall ms':>9}{'SQL ms':>8}{'queries':>9}"
            f"{'one: CPU':>10}{'queries':>9}"
        )
        for page, cost in self.costs.items():
            one = cost.get("one", cost)
            print(
                f"  {page:<18}{cost.get('visits', 1):>7}{cost['cpu_ms_median']:>8.1f}"
                f"{cost.get('wall_ms_median', 0):>9.1f}{cost.get('sql_ms_median', 0):>8.1f}"
                f"{cost.get('queries', 0):>9}{one['cpu_ms_median']:>10.1f}{one['queries']:>9}"
            )


def met(row: dict) -> bool:
    """Whether a figure meets its target ("< 5.0", ">= 0.25", "<= 5.0")."""
    operator, limit = row["target"].split()
    value, limit = row["value"], float(limit)
    return {
        "<": value < limit,
        "<=": value <= limit,
        ">": value > limit,
        ">=": value >= limit,
    }[operator]


def seed_version() -> str:
    """What a seeded database depends on: the seeder and every migration. A database seeded
    at the same version is reused (cloned) instead of seeded again."""
    digest = hashlib.sha256()
    files = [ROOT / "benchmarks" / "seed.py", *sorted(ROOT.glob("*/migrations/*.py"))]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def _databases(prefix: str) -> set[str]:
    with _admin_connection() as conn:
        pattern = prefix.replace("_", r"\_") + "%"
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [pattern]
        ).fetchall()
    return {row[0] for row in rows}


def _clone(template: str, name: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def _rename(old: str, new: str) -> None:
    with _admin_connection() as conn:
        conn.execute(f'ALTER DATABASE "{old}" RENAME TO "{new}"')


def _use(name: str) -> None:
    """Point this process's Django connection at another database."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = name


def _seed_templates(bench: "Bench", small: str, full: str, *, keep_others: bool) -> None:
    """Seed the two template databases: `small` (100 proposals) and `full` (grown from it).
    Each is built under a temporary name and renamed when complete, so an interrupted seed
    is never reused; templates of other seed versions of this scale are dropped."""
    from django.core.management import call_command

    if not keep_others:
        stem = small.rsplit("_", 2)[0] + "_"
        for name in _databases(stem) - {small, full}:
            _drop_database(name)
    _create_database(small + "_new")
    _use(small + "_new")
    call_command("migrate", verbosity=0)
    bench.seed_small()
    _use("postgres")
    _drop_database(full + "_new")
    _clone(small + "_new", full + "_new")
    _use(full + "_new")
    bench.grow()
    _use("postgres")
    _drop_database(small)
    _drop_database(full)
    _rename(small + "_new", small)
    _rename(full + "_new", full)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--duration", type=float, help="seconds of load per page")
    parser.add_argument("--mix-duration", type=float, help="seconds of load per mix run")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks" / "results.json")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="seed new databases even if a seeded one of this version exists, and drop them",
    )
    parser.add_argument(
        "--seed-only",
        action="store_true",
        help="seed the databases of this scale and seed version if missing, then stop",
    )
    args = parser.parse_args(argv)

    bench = Bench(args.scale, args.duration, args.output, args.mix_duration)
    prefix = os.environ.get("BENCH_DATABASE_PREFIX", "isf_bench")
    version = seed_version()
    # A fresh run's own names, which no other run's clean-up of old versions matches.
    tag = f"fresh{os.getpid()}_{args.scale}" if args.fresh else args.scale
    small, full = f"{prefix}_{tag}_small_{version}", f"{prefix}_{tag}_full_{version}"
    database = f"{prefix}_run_{os.getpid()}"
    port = _free_port()
    var_dir = tempfile.mkdtemp(prefix="isf-bench-")
    env = {**os.environ, **_environment(database, var_dir, port)}
    os.environ.update(env)
    started = time.monotonic()
    try:
        import django

        django.setup()
        from django.core.cache import cache

        bench.phase("seed")
        if args.fresh or not {small, full} <= _databases(prefix):
            _seed_templates(bench, small, full, keep_others=args.fresh)
        else:
            bench.add("seed_time", 0.0, "s", about=f"reused the seeded {full} (same version)")
        if args.seed_only:
            print(f"Seeded {small} and {full}", bench.results[-1])
            return 0
        # Each run reads a copy, so what it writes (sessions, comments, the fan-out) never
        # reaches the next run's data.
        bench.phase("clone")
        _clone(small, database)
        _use(database)
        cache.clear()  # the benchmark's own cache database: nothing from another run
        bench.phase("collectstatic")
        _collectstatic()
        bench.phase("queries at 100 proposals")
        bench.choose_pages()
        bench.count_queries("small")
        bench.time_search("small")
        _use("postgres")
        bench.phase("clone full")
        _clone(full, database)
        _use(database)
        cache.clear()
        bench.phase("queries at full scale")
        bench.count_queries("large")
        bench.time_search("large")
        for name, page in bench.pages.items():
            counts = page["queries"]
            bench.add(
                f"queries_flat_{name}",
                float(counts["small"] == counts["large"]),
                "bool",
                about="the same query count at 100 proposals as at full scale",
                small=counts["small"],
                large=counts["large"],
            )
        bench.phase("start gunicorn")
        bench.start_web(env, port)
        try:
            bench.phase("single pages")
            bench.load(port)
            bench.phase("mix")
            bench.mix(port)
            peak = max(_peak_rss_mb(p) for p in _children(bench.web.pid))
        finally:
            bench.web.send_signal(signal.SIGTERM)
            bench.web.wait(timeout=30)
        bench.add("web_worker_peak_rss", peak, "MB")
        bench.phase("fanout")
        bench.fanout(env)
        bench.add("celery_worker_peak_rss", bench.worker_rss, "MB")
        bench.phase("pdf")
        bench.pdf()
        bench.phase("page costs")
        bench.page_costs()
        bench.phase("")
        bench.add(
            "bench_time",
            time.monotonic() - started,
            "s",
            about="this whole run, by phase",
            phases=bench.phases,
        )
        bench.report(bench.machine())
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep_database:
            _drop_database(database)
            if args.fresh:
                for name in (small, full, small + "_new", full + "_new"):
                    _drop_database(name)
        shutil.rmtree(var_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
