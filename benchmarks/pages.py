"""What one page costs in the web process: CPU, wall and SQL time, and queries.

Each page type is requested through the whole middleware stack (a WSGI call into Django's
handler with the user's session cookie, as gunicorn makes it) in a warm process, once for each
of `renders` different visits of that type in the realistic mix's population
(benchmarks/mix.py): different people of different organisations and roles, each on an object
they may see, as real use spreads them. Reported per page: the median of `time.process_time`
(the web process's own CPU, not PostgreSQL's), the median wall time, the median time spent
waiting for SQL, and the median number of queries. Beside them, as before: one chosen
user on one chosen object, rendered `renders` times ("one"), which flatters a page whose cost
grows with its object (a proposal with a long history, many parties and an agreement).

    python -m benchmarks.pages [--renders 30] [--page home ...] [--people 167]

runs against the database DATABASE_URL names (seed it first, e.g. with `make bench`'s
`--keep-database`), with production settings unless DJANGO_SETTINGS_MODULE says otherwise.
`benchmarks.run` calls `page_costs()` for its per-page figures.
"""

import argparse
import functools
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from io import BytesIO

PAGES = (
    "home",
    "dashboard",
    "proposal",
    "review",
    "steering_list",
    "agreement",
    "notifications",
    "register",
    "register_search",
    # The oversight pages (issue #16): the steering group's insight, and the public register
    # as an anonymous visitor sees it.
    "insight",
    "public_register",
)
# The speed issue's target sums these eight pages' CPU medians (153 ms before the work on it).
SUMMED = tuple(p for p in PAGES if p not in ("notifications", "insight", "public_register"))
# Agreements on the public register at full scale: the seed publishes none (every party must
# agree), so a share of the active ones are published here, as the region would have.
PUBLISHED_SHARE = 4  # one active agreement in four
# A page each measured person saw just before (it draws the layout and its navigation).
BROWSED_BEFORE = "/accessibility/"
# Notifications a realistic approver has collected: more than one page of the list.
NOTIFICATIONS_PER_USER = 40


def choose_pages() -> dict[str, dict]:
    """{page: {'url', 'user'}}: one user and one object each, as a real visit would pick."""
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
        .order_by("pk")
        .first()
        .user
    )
    member = (
        Membership.objects.filter(organisation_id=proposal.lead_organisation_id, is_member=True)
        .select_related("user")
        .order_by("pk")
        .first()
        .user
    )
    steering = SteeringGroupMember.objects.select_related("user").order_by("pk").first().user
    agreement = Agreement.objects.order_by("pk").first()
    party_member = (
        Membership.objects.filter(organisation_id=agreement.parties.first().organisation_id)
        .order_by("pk")
        .first()
        .user
    )
    word = proposal.title.split()[0].lower()
    _ensure_notifications(approver)
    _ensure_published()
    return {
        "home": {"url": "/", "user": approver},
        "dashboard": {"url": "/proposals/", "user": member},
        "proposal": {"url": f"/proposals/{proposal.reference}/", "user": member},
        "review": {"url": f"/proposals/{proposal.reference}/review/", "user": approver},
        "steering_list": {"url": "/proposals/in-review/", "user": steering},
        "agreement": {"url": f"/agreements/{agreement.reference}/", "user": party_member},
        "notifications": {"url": "/notifications/", "user": approver},
        "register": {"url": "/agreements/", "user": member},
        "register_search": {"url": f"/agreements/?q={word}", "user": member},
        "insight": {"url": "/insight/", "user": steering},
        "public_register": {"url": "/register/public/", "user": None},
    }


def _ensure_published() -> None:
    from django.utils import timezone

    from agreements.models import Agreement, AgreementStatus

    active = Agreement.objects.filter(status=AgreementStatus.ACTIVE)
    if active.filter(published_at__isnull=False).exists():
        return
    chosen = list(active.order_by("pk").values_list("pk", flat=True)[::PUBLISHED_SHARE])
    Agreement.objects.filter(pk__in=chosen).update(published_at=timezone.now())


def _ensure_notifications(user) -> None:
    """The seed sends no notifications: give the chosen approver what a working one has."""
    from notifications.models import Notification, NotificationKind

    have = Notification.objects.filter(user=user).count()
    Notification.objects.bulk_create(
        Notification(
            user=user,
            kind=NotificationKind.REVIEW_REQUESTED,
            title=f"Your decision is needed: ISF-BENCH-{n:05d} Sharing to plan services",
            url="/proposals/",
        )
        for n in range(have, NOTIFICATIONS_PER_USER)
    )


def _session_cookie(user) -> str:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.module_loading import import_string

    store = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.save()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def _environ(url: str, cookie: str) -> dict:
    path, _, query = url.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "HTTP_COOKIE": cookie,
        "HTTP_ACCEPT": "text/html",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


class _SqlClock:
    """Counts queries and adds up the time spent in them (connection.execute_wrapper)."""

    def __init__(self):
        self.queries = 0
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


@functools.cache
def _handler():
    """One WSGI application per process, as a gunicorn worker has (loading it reads every
    static file's headers, which is no part of a request)."""
    from isf_portal.wsgi import application

    return application


def _request(url: str, cookie: str) -> None:
    handler = _handler()
    status = []
    body = handler(_environ(url, cookie), lambda s, h, *a: status.append(s))
    try:
        b"".join(body)
    finally:
        getattr(body, "close", lambda: None)()
    if not status[0].startswith("200"):
        raise RuntimeError(f"{url} answered {status[0]}")


def _medians(visits: list[tuple[str, str]], warm: list[tuple[str, str]]) -> dict:
    """Medians over one request per (url, cookie) in `visits`, after the `warm` ones."""
    from django.db import connection

    cpu, wall, sql, queries = [], [], [], []
    for url, cookie in warm:
        _request(url, cookie)
    for url, cookie in visits:
        clock = _SqlClock()
        with connection.execute_wrapper(clock):
            started_cpu, started = time.process_time(), time.perf_counter()
            _request(url, cookie)
            wall.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        sql.append(clock.seconds)
        queries.append(clock.queries)
    return {
        "cpu_ms_median": round(statistics.median(cpu) * 1000, 2),
        "wall_ms_median": round(statistics.median(wall) * 1000, 2),
        "sql_ms_median": round(statistics.median(sql) * 1000, 2),
        "queries": round(statistics.median(queries)),
    }


def measure(url: str, user, *, renders: int = 30, warm: int = 3) -> dict:
    """One page's costs: medians over `renders` requests after `warm` unmeasured ones."""
    cookie = _session_cookie(user) if user is not None else ""
    return _medians([(url, cookie)] * renders, [(url, cookie)] * warm)


def population_visits(people: int) -> dict[str, list[tuple[str, str]]]:
    """{page: [(url, cookie)...]}: the realistic mix's visits (benchmarks/mix.py) of each page
    type, in the population's order: many people, each on objects they may see."""
    from benchmarks import mix

    population = mix.build(people=people, writers=0)
    visits: dict[str, list[tuple[str, str]]] = {}
    for visit in population.visits:
        visits.setdefault(visit.kind, []).append((visit.url, visit.cookie))
    return visits


def page_costs(
    renders: int = 30, pages: dict | None = None, only=None, people: int | None = None
) -> dict[str, dict]:
    """{page: {'cpu_ms_median', 'wall_ms_median', 'sql_ms_median', 'queries', 'url', 'one'}}
    for every page type (or those in `only`). Needs Django set up on a seeded database.

    The medians are over `renders` different visits of that page type from the realistic
    mix's population (one request each: different people, different objects, as real use
    spreads them), after three other visits of that type warm the process. `one` holds the
    figures of one chosen user on one object rendered `renders` times (the earlier measure),
    for comparison; a page type the mix does not visit (the steering list) has only that."""
    chosen = pages or choose_pages()
    spread = population_visits(people) if people else {}
    costs = {}
    for name, page in chosen.items():
        if only is not None and name not in only:
            continue
        one = {**measure(page["url"], page["user"], renders=renders), "url": page["url"]}
        visits = spread.get(name, [])
        if len(visits) < 4:
            costs[name] = {**one, "visits": 1}
            continue
        measured, warm = visits[:-3][:renders], visits[-3:]
        # Each person is mid-visit, as most of a mix's visits are: their session renewed within
        # the minute and their navigation built by a page they saw before (the first page of
        # a visit pays for both, once).
        warm += [(BROWSED_BEFORE, cookie) for cookie in {c for _url, c in measured if c}]
        costs[name] = {**_medians(measured, warm), "visits": len(measured), "one": one}
        costs[name]["url"] = f"{len(measured)} of the mix's {name} visits"
    return costs


def table(costs: dict[str, dict]) -> str:
    lines = [
        f"{'page':<16}{'visits':>7}{'CPU ms':>9}{'wall ms':>9}{'SQL ms':>9}{'queries':>9}"
        f"{'one: CPU':>10}{'queries':>9}"
    ]
    for name, c in costs.items():
        one = c.get("one", c)
        lines.append(
            f"{name:<16}{c.get('visits', 1):>7}{c['cpu_ms_median']:>9.2f}"
            f"{c['wall_ms_median']:>9.2f}{c['sql_ms_median']:>9.2f}{c['queries']:>9}"
            f"{one['cpu_ms_median']:>10.2f}{one['queries']:>9}"
        )
    eight = [c["cpu_ms_median"] for name, c in costs.items() if name in SUMMED]
    lines.append(f"{'sum of ' + str(len(eight)):<16}{sum(eight):>9.2f}")
    return "\n".join(lines)


def _configure() -> None:
    """Production settings on plain HTTP, as `make bench` serves them; secrets made up for the
    run when none are set (nothing is signed that outlives it)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "isf_portal.settings.production")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(60))
    os.environ.setdefault("AUDIT_CHAIN_KEY", secrets.token_urlsafe(60))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
    os.environ.setdefault("HTTPS", "false")
    os.environ.setdefault("EMAIL_URL", "dummymail://")
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--page", action="append", choices=PAGES, help="only these pages")
    parser.add_argument(
        "--people",
        type=int,
        default=167,
        help="the mix population whose visits each page's medians are over (0: one object)",
    )
    args = parser.parse_args(argv)
    _configure()
    static_root = os.environ.get("STATIC_ROOT") or tempfile.mkdtemp(prefix="isf-pages-static-")
    os.environ["STATIC_ROOT"] = static_root
    import django

    django.setup()
    from django.core.management import call_command

    try:
        # Production settings serve hashed static files: collect them as a deployment does.
        call_command(
            "collectstatic", interactive=False, verbosity=0, ignore_patterns=["ext", "scss"]
        )
        print(table(page_costs(renders=args.renders, only=args.page, people=args.people)))
    finally:
        if static_root.startswith(tempfile.gettempdir()):
            shutil.rmtree(static_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
