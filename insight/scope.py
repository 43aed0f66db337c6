"""What the insight figures cover (`Scope`), and the statements each figure runs for a scope,
kept per database connection (`planned`).

A figure's SQL is worked out by the ORM from the scope alone: the same scope always gives the
same statement and parameters, whatever the data. Compiling the querysets was most of the
page's own CPU, so each figure's statements are kept, keyed by everything they are built
from (`Scope.key`), and only run again on the next request: what the figures show is read
afresh every time; only the text of the question is reused."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from organisations.models import Organisation
from sharing_requests.models import DataItem, Participant, Proposal

# Statements kept per connection: a steering group member's default view, each governance
# officer's organisation, each combination of filters used. Emptied when full.
PLANS_KEPT = 256


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
        start = timezone.make_aware(datetime.combine(self.since, time.min))
        return Q(**{f"{field_name}__gte": start})

    def key(self) -> tuple:
        """Everything a figure's statements depend on: the filters, today, the time zone
        dates are read in, and the escalation period the overdue count uses."""
        return (
            self.since,
            None if self.organisation is None else self.organisation.pk,
            self.sector,
            self.category,
            self.today,
            timezone.get_current_timezone_name(),
            settings.REVIEW_ESCALATION_WORKING_DAYS,
        )


def planned(scope: Scope, name: str, build):
    """`build(scope)`'s statements for the figure `name`, compiled once per scope key on this
    connection (build must not read the database: it only writes SQL)."""
    plans = getattr(connection, "insight_plans", None)
    if plans is None:
        plans = connection.insight_plans = {}
    key = (name, scope.key())
    plan = plans.get(key)
    if plan is None:
        if len(plans) >= PLANS_KEPT:
            plans.clear()
        plan = plans[key] = build(scope)
    return plan
