"""The realistic mix for `make bench`: a population of signed-in people of different
organisations and roles, each browsing pages they may see over many different objects, while
other people post real comments through the app at a fixed rate.

Everything here is generated from the seeded data and checked with the app's own permission
functions (`sharing_requests.permissions.may`, `agreements.permissions.may`), so every URL in
the mix is one its person may open; the load run counts any answer other than 200.
"""

import http.client
import random
import re
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import import_module

# Share of requests per page type (issue #11's observed shares of what signed-in people
# open, scaled to 94 %), with the oversight pages of issue #16: the steering group and
# governance officers reading /insight/ (with some filters) and anonymous visitors reading
# the public register and searching it.
MIX = {
    "proposal": 24.4,
    "home": 16.9,
    "dashboard": 13.2,
    "agreement": 11.3,
    "review": 9.4,
    "register": 7.5,
    "register_search": 7.5,
    "notifications": 3.8,
    "insight": 3,
    "public_register": 2,
    "public_register_search": 1,
}
# Visited by whoever the page is for, not by the person whose share of visits it fills:
# insight by someone it shows figures to, the public register by a visitor signed in as no one.
OVERSIGHT = ("insight",)
PUBLIC = ("public_register", "public_register_search")
FIXED_URLS = {
    "home": "/",
    "dashboard": "/proposals/",
    "register": "/agreements/",
    "notifications": "/notifications/",
}
SEARCH_WORDS = ["housing", "safeguarding", "fire", "health", "care", "referral", "school"]
INSIGHT_PERIODS = ("12", "24", "all")
_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Visit:
    person: int  # user id, 0 for an anonymous visitor
    kind: str  # page type (a MIX key)
    url: str
    cookie: str = ""


@dataclass
class Writer:
    user_id: int
    cookie: str
    targets: list[tuple[str, int]]  # (proposal reference, organisation commenting for)
    token: str = ""


@dataclass
class Population:
    people: list = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    writers: list[Writer] = field(default_factory=list)

    def describe(self) -> dict:
        from organisations.models import Membership

        held = Membership.objects.filter(user__in=self.people)
        roles = {
            role: held.filter(**{f"is_{role}": True}).count()
            for role in ("member", "approver", "signatory", "governance_officer", "org_admin")
        }
        kinds = {kind: sum(v.kind == kind for v in self.visits) for kind in MIX}
        return {
            "people": len(self.people),
            "organisations": held.values("organisation").distinct().count(),
            "roles": roles,
            "steering_seats": sum(1 for p in self.people if _steering(p)),
            "urls": len(self.visits),
            "distinct_urls": len({v.url for v in self.visits}),
            "proposals": len({v.url.split("/")[2] for v in self.visits if v.kind == "proposal"}),
            "agreements": len({v.url for v in self.visits if v.kind == "agreement"}),
            "mix_percent": {k: round(100 * n / max(1, len(self.visits))) for k, n in kinds.items()},
            "writers": len(self.writers),
        }


def _steering(user) -> bool:
    from organisations.models import SteeringGroupMember

    return SteeringGroupMember.objects.filter(user=user).exists()


def session_cookie(user) -> str:
    """A signed-in session as the login view makes it: the configured session store with the
    user's id, backend and auth hash (so the session check on every request passes)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _kinds(rng: random.Random, count: int) -> list[str]:
    """`count` page types in the mix's exact shares (largest remainders), shuffled."""
    total = sum(MIX.values())
    exact = {kind: count * share / total for kind, share in MIX.items()}
    counts = {kind: int(value) for kind, value in exact.items()}
    by_remainder = sorted(MIX, key=lambda kind: counts[kind] - exact[kind])
    for kind in by_remainder[: count - sum(counts.values())]:
        counts[kind] += 1
    kinds = [kind for kind, n in counts.items() for _ in range(n)]
    rng.shuffle(kinds)
    return kinds


def _browse(user, rng: random.Random, kinds: list[str]) -> list[Visit]:
    """One visit per page type in `kinds` for one person, over objects they may see."""
    from agreements import permissions as agreement_permissions
    from agreements.models import Agreement
    from sharing_requests import permissions as proposal_permissions
    from sharing_requests.choices import ProposalStatus

    view = proposal_permissions.Action.VIEW
    visible = list(
        proposal_permissions.objects_for(user).order_by("pk").values_list("pk", "status")
    )
    submitted = [pk for pk, status in visible if status != ProposalStatus.DRAFT]
    every = [pk for pk, _status in visible]
    agreements = sorted(
        agreement_permissions.visible_ids(
            user=user, agreement_ids=Agreement.objects.values_list("pk", flat=True)
        )
    )
    visits = []
    for kind in kinds:
        if kind in FIXED_URLS:
            visits.append(Visit(user.pk, kind, FIXED_URLS[kind]))
        elif kind == "register_search":
            visits.append(Visit(user.pk, kind, f"/agreements/?q={rng.choice(SEARCH_WORDS)}"))
        elif kind in ("proposal", "review"):
            pool = every if kind == "proposal" else submitted
            if not pool:
                continue
            from sharing_requests.models import Proposal

            proposal = Proposal.objects.get(pk=rng.choice(pool))
            if not proposal_permissions.may(user, view, proposal):
                raise RuntimeError(f"{user} may not see {proposal.reference}")
            suffix = "review/" if kind == "review" else ""
            visits.append(Visit(user.pk, kind, f"/proposals/{proposal.reference}/{suffix}"))
        elif kind == "agreement" and agreements:
            agreement = Agreement.objects.get(pk=rng.choice(agreements))
            if not agreement_permissions.may(user, agreement_permissions.Action.VIEW, agreement):
                raise RuntimeError(f"{user} may not see {agreement.reference}")
            visits.append(Visit(user.pk, kind, f"/agreements/{agreement.reference}/"))
    return visits


def _insight_readers(people) -> dict:
    """{person: the organisations whose figures they see, None for the whole region} for
    those insight shows anything to (insight.permissions.insight_reach)."""
    from django.http import Http404

    from insight.permissions import insight_reach

    readers = {}
    for user in people:
        try:
            readers[user] = insight_reach(user)
        except Http404:
            continue
    return readers


def _insight_url(reach, rng: random.Random) -> str:
    """/insight/, half the time as it opens, otherwise with filters as its form sends them
    (a governance officer's form always names their organisation)."""
    from organisations.models import Organisation, Sector
    from sharing_requests.choices import DataCategory

    if rng.random() < 0.5:
        return "/insight/"
    query = {"period": rng.choice(INSIGHT_PERIODS)}
    if reach is not None:
        query["organisation"] = rng.choice(reach).pk
    elif rng.random() < 0.5:
        pks = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
        query["organisation"] = rng.choice(pks)
    if rng.random() < 0.3:
        query["sector"] = rng.choice(Sector.values)
    if rng.random() < 0.3:
        query["category"] = rng.choice(DataCategory.values)
    return "/insight/?" + urllib.parse.urlencode(query)


def _public_url(kind: str, rng: random.Random) -> str:
    if kind == "public_register_search":
        return "/register/public/?" + urllib.parse.urlencode({"q": rng.choice(SEARCH_WORDS)})
    return "/register/public/"


def _ensure_published() -> None:
    """Published agreements for the public register, as benchmarks.pages gives it."""
    try:
        from benchmarks.pages import _ensure_published as publish
    except ImportError:  # the register then lists nothing, and still answers
        return
    publish()


def _writer(user, rng: random.Random) -> Writer | None:
    """Someone who may comment on some open proposals, with up to 20 of them to comment on."""
    from sharing_requests import permissions as proposal_permissions
    from sharing_requests.choices import ProposalStatus

    candidates = list(
        proposal_permissions.objects_for(user, proposal_permissions.Action.COMMENT)
        .exclude(status__in=[ProposalStatus.WITHDRAWN, ProposalStatus.DECLINED])
        .order_by("pk")
    )
    rng.shuffle(candidates)
    targets = []
    for proposal in candidates[:20]:
        organisations = proposal_permissions.comment_organisations(user, proposal)
        if organisations:
            targets.append((proposal.reference, organisations[0].pk))
    return Writer(user.pk, "", targets) if targets else None


def build(*, people: int, writers: int, seed: int = 11) -> Population:
    """`people` browsing users across organisations and roles (the steering group's seats
    among them), 10–20 visits each, and `writers` other people who comment."""
    from organisations.models import SteeringGroupMember, User

    rng = random.Random(seed)
    everyone = list(
        User.objects.filter(email__endswith="@bench.example", memberships__isnull=False)
        .distinct()
        .order_by("pk")
    )
    seats = set(SteeringGroupMember.objects.values_list("user_id", flat=True))
    chosen = [u for u in everyone if u.pk in seats][:3]
    rest = [u for u in everyone if u.pk not in seats]
    rng.shuffle(rest)
    chosen += rest[: people - len(chosen)]
    population = Population(people=chosen)
    pages = [rng.randint(10, 20) for _user in chosen]
    kinds = _kinds(rng, sum(pages))  # the whole population's visits in the mix's shares
    cookies = {user.pk: session_cookie(user) for user in chosen}
    readers = _insight_readers(chosen)
    _ensure_published()
    for user, count in zip(chosen, pages, strict=True):
        mine, kinds = kinds[:count], kinds[count:]
        for kind in mine:
            if kind in PUBLIC:
                population.visits.append(Visit(0, kind, _public_url(kind, rng)))
            elif kind in OVERSIGHT and readers:
                reader, reach = (
                    (user, readers[user]) if user in readers else rng.choice(list(readers.items()))
                )
                url = _insight_url(reach, rng)
                population.visits.append(Visit(reader.pk, kind, url, cookies[reader.pk]))
        for visit in _browse(user, rng, [k for k in mine if k not in OVERSIGHT + PUBLIC]):
            visit.cookie = cookies[user.pk]
            population.visits.append(visit)
    for user in rest[people - len(chosen) :]:
        if len(population.writers) >= writers:
            break
        writer = _writer(user, rng)
        if writer is not None:
            writer.cookie = session_cookie(user)
            population.writers.append(writer)
    # Many people at once: consecutive requests come from different people.
    rng.shuffle(population.visits)
    return population


def write_file(path, visits: list[Visit]) -> int:
    """One `cookie<TAB>url` line per visit, for mix.lua."""
    lines = [f"{v.cookie}\t{v.url}" for v in visits]
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


# --- The writers -----------------------------------------------------------------------------
class WriteLoad:
    """Other people posting comments through the app at `rate` per second (open loop: a post
    is due every 1/rate s whatever the previous one's latency), each as a browser does: the
    session and CSRF cookies, the form's CSRF token, an Origin header."""

    def __init__(self, port: int, writers: list[Writer], rate: float):
        self.port, self.writers, self.rate = port, writers, rate
        self.statuses: dict[int, int] = {}
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._thread = None

    def _connection(self) -> http.client.HTTPConnection:
        if getattr(self._local, "conn", None) is None:
            self._local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        return self._local.conn

    def _request(self, method, path, headers, body=None):
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                return response, response.read()
            except (http.client.HTTPException, OSError):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def prepare(self) -> None:
        """Each writer opens a vision page once: its CSRF cookie and the form's token."""
        for writer in self.writers:
            reference = writer.targets[0][0]
            response, body = self._request(
                "GET", f"/proposals/{reference}/vision/", {"Cookie": writer.cookie}
            )
            if response.status != 200:
                raise RuntimeError(f"writer's vision page answered {response.status}")
            match = _TOKEN.search(body.decode())
            if match is None:
                raise RuntimeError(f"no CSRF token on /proposals/{reference}/vision/")
            writer.token = match.group(1)
            for header in response.headers.get_all("Set-Cookie") or []:
                pair = header.split(";", 1)[0]
                if not pair.startswith(writer.cookie.split("=", 1)[0] + "="):
                    writer.cookie = f"{writer.cookie}; {pair}"

    def _post(self, n: int) -> None:
        writer = self.writers[n % len(self.writers)]
        reference, organisation = writer.targets[(n // len(self.writers)) % len(writer.targets)]
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": writer.token,
                "organisation": organisation,
                "text": f"Benchmark comment {n}: the retention period needs a review date.",
            }
        )
        started = time.perf_counter()
        try:
            response, _ = self._request(
                "POST",
                f"/proposals/{reference}/vision/comments/",
                {
                    "Cookie": writer.cookie,
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": f"http://127.0.0.1:{self.port}",
                },
                body,
            )
            status = response.status
        except (http.client.HTTPException, OSError):
            status = 0  # no answer: counted, never hidden
        with self._lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.latencies.append(time.perf_counter() - started)

    def _run(self) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            started, n = time.monotonic(), 0
            while not self._stop.is_set():
                pool.submit(self._post, n)
                n += 1
                self._stop.wait(max(0.0, started + n / self.rate - time.monotonic()))

    def __enter__(self):
        if self.rate > 0:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        self.started = time.monotonic()
        return self

    def __exit__(self, *exc):
        self.seconds = time.monotonic() - self.started
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    @property
    def made(self) -> int:
        """Comments the app accepted (it redirects back to the vision page)."""
        return self.statuses.get(302, 0)
