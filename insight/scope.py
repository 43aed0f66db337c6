"""What the insight figures cover (`Scope`), and the statements each figure runs for a scope,
kept per database connection (`planned`).

A figure's SQL is worked out by the ORM from the scope alone. Compiling the querysets was most
of the page's own CPU, so each figure's statements are kept and only run again on the next
request: what the figures show is read afresh every time; only the text of the question is
reused. They are kept per *shape* of scope (which filters are set, today, the time zone), not
per value: a statement is compiled with stand-in values (`Scope.stand_in`) and each request
swaps its own organisation, sector, data category and start date in among the parameters, so
the hundreds of organisations and filter combinations people choose share a few statements."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cached_property

from django.conf import settings
from django.db import connection
from django.db.models import CharField, DateTimeField, Q
from django.utils import timezone

from organisations.models import Organisation
from sharing_requests.models import DataItem, Participant, Proposal

# Statements kept per connection: one per figure and shape of scope. Emptied when full.
PLANS_KEPT = 256
# The values statements are compiled with, each swapped for the scope's own among the
# parameters: none of them can be a real filter's value (ids are positive; sectors and
# categories are slugs; nothing happened in 1900).
STAND_IN_SINCE = date(1900, 1, 2)
STAND_IN_ORGANISATION = -90417
STAND_IN_SECTOR = "\x00sector"
STAND_IN_CATEGORY = "\x00category"


@dataclass
class Scope:
    """What the figures cover: proposals an organisation takes part in (or all), with a
    participant of a sector, with data of a category, and events since a date."""

    since: date | None = None
    organisation: Organisation | None = None
    sector: str = ""
    category: str = ""
    today: date = field(default_factory=timezone.localdate)
    # organisations.selectors.organisation_choices() when the request has read it already.
    organisation_list: tuple | None = field(default=None, compare=False, repr=False)

    def proposals(self):
        return Proposal.objects.filter(self._filters("pk"))

    def _filters(self, proposal_path: str) -> Q:
        """The filters as conditions on the proposal's id at `proposal_path`: each a list of
        ids read from the participants or data items alone (their proposal_id indexes), so
        the database never scans the proposals themselves to find them."""
        found = Q()
        if self.organisation is not None:
            participating = Participant.objects.filter(organisation=self.organisation)
            found &= Q(**{f"{proposal_path}__in": participating.values("proposal_id")})
        if self.sector:
            of_sector = Participant.objects.filter(organisation__sector=self.sector)
            found &= Q(**{f"{proposal_path}__in": of_sector.values("proposal_id")})
        if self.category:
            holding = DataItem.objects.filter(category=self.category)
            found &= Q(**{f"{proposal_path}__in": holding.values("proposal_id")})
        return found

    def in_scope(self, model, proposal_path: str) -> Q:
        """Rows of `model` whose proposal (at `proposal_path`) is in scope. Without a filter
        that is any row with a proposal: no condition at all where every step of the path is
        required, so the database joins and scans nothing for it."""
        if self.organisation is not None or self.sector or self.category:
            return self._filters(proposal_path)
        for name in proposal_path.split("__"):
            field = model._meta.get_field(name)
            if field.null:
                return Q(**{f"{proposal_path}__isnull": False})
            model = field.related_model
        return Q()

    def since_q(self, field_name: str) -> Q:
        if self.since is None:
            return Q()
        return Q(**{f"{field_name}__gte": _start(self.since)})

    @cached_property
    def key(self) -> tuple:
        """Everything a figure's statements depend on besides the swapped values: which
        filters are set, today, the time zone dates are read in, and the escalation period the
        overdue count uses (worked out once for the seven figures of a page)."""
        return (
            self.since is None,
            self.organisation is None,
            bool(self.sector),
            bool(self.category),
            self.today,
            timezone.get_current_timezone_name(),
            settings.REVIEW_ESCALATION_WORKING_DAYS,
        )

    def stand_in(self) -> "Scope":
        """This scope's shape, with the stand-in values in place of its own."""
        return Scope(
            since=None if self.since is None else STAND_IN_SINCE,
            organisation=None
            if self.organisation is None
            else Organisation(pk=STAND_IN_ORGANISATION),
            sector=STAND_IN_SECTOR if self.sector else "",
            category=STAND_IN_CATEGORY if self.category else "",
            today=self.today,
        )

    @cached_property
    def bindings(self) -> dict:
        """{a stand-in as the database is sent it: this scope's value, sent the same way}
        (worked out once for the seven figures of a page)."""
        found = {}
        if self.since is not None:
            moment = DateTimeField()
            found[moment.get_db_prep_value(_start(STAND_IN_SINCE), connection)] = (
                moment.get_db_prep_value(_start(self.since), connection)
            )
        if self.organisation is not None:
            found[STAND_IN_ORGANISATION] = self.organisation.pk
        text = CharField()
        if self.sector:
            found[text.get_db_prep_value(STAND_IN_SECTOR, connection)] = self.sector
        if self.category:
            found[text.get_db_prep_value(STAND_IN_CATEGORY, connection)] = self.category
        return found


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _bound(plan, bindings: dict):
    """`plan` (statements as (sql, params, ...) tuples, alone or nested in tuples and lists)
    with each stand-in among the parameters swapped for its binding."""
    if isinstance(plan, tuple) and len(plan) >= 2 and isinstance(plan[0], str):
        params = [bindings.get(p, p) if isinstance(p, str | int | datetime) else p for p in plan[1]]
        return (plan[0], params, *plan[2:])
    if isinstance(plan, tuple | list):
        return type(plan)(_bound(part, bindings) for part in plan)
    return plan


def planned(scope: Scope, name: str, build):
    """`build(scope)`'s statements for the figure `name`: compiled once per shape of scope on
    this connection, with this scope's values swapped in (build must not read the database:
    it only writes SQL)."""
    plans = getattr(connection, "insight_plans", None)
    if plans is None:
        plans = connection.insight_plans = {}
    key = (name, scope.key)
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= PLANS_KEPT:
            plans.clear()
        plan = plans[key] = build(scope.stand_in())
    return _bound(plan, scope.bindings)
