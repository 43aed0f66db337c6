"""Reads of proposals that more than one caller needs."""

from datetime import datetime, time, timedelta
from types import SimpleNamespace
from typing import NamedTuple

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from isf_portal.compiled import CompiledRead
from organisations.models import Organisation

from . import permissions
from .choices import ProposalStatus, SectionStatus
from .events import proposal_chain
from .models import (
    DecisionStatus,
    OrganisationDecision,
    Participant,
    Proposal,
    ProposalEvent,
    ReviewRound,
    SectionState,
    SteeringVote,
)
from .workdays import latest_start_with


def proposals_visible_to(*, user):
    """Every proposal the user may see: through their organisations' groups or the steering
    group. One EXISTS subquery, so the cost does not grow with the user's groups."""
    return permissions.objects_for(user, permissions.Action.VIEW)


def dashboard_count(*, user) -> int:
    """How many proposals the unfiltered dashboard lists: every one the user may see."""
    return permissions.count_for(user, permissions.Action.VIEW)


class OwnProposal(NamedTuple):
    """A row of own_proposals: what the home page shows of a draft or a sent-back proposal."""

    reference: str
    title: str
    status: str
    lead_organisation: SimpleNamespace  # its short_name


_OWN_PROPOSALS_SQL = """
SELECT p.reference, p.title, p.status, o.short_name
FROM (
    SELECT id, reference, title, status, lead_organisation_id, last_activity_at,
           ROW_NUMBER() OVER (PARTITION BY status ORDER BY last_activity_at DESC, id DESC) AS place
    FROM {proposal}
    WHERE lead_organisation_id IN ({leads}) AND status IN (%s, %s)
) p
JOIN {organisation} o ON o.id = p.lead_organisation_id
WHERE p.place <= %s
ORDER BY p.last_activity_at DESC, p.id DESC
"""


def own_proposals(*, user, lead_ids, limit: int = 10) -> dict[str, list[OwnProposal]]:
    """The user's organisations' drafts and proposals sent back for changes (those led by
    `lead_ids`), newest activity first, at most `limit` of each: one query.

    `lead_ids` are organisations where the user holds a membership (the caller's, as START
    allows them), and every membership at the lead views its proposals (VIEW's row): the
    lead and the status say which, without the grants' EXISTS subquery of
    proposals_visible_to (a quarter of this read's 2 ms of CPU). Written in SQL, as the ORM
    would write it (a window numbering each status's rows): building the ORM's query for it
    took about 5 ms of CPU here, on almost every home page."""
    found = {ProposalStatus.DRAFT: [], ProposalStatus.CHANGES_REQUESTED: []}
    if not lead_ids:
        return found
    quote = connection.ops.quote_name
    lead_ids = sorted(set(lead_ids))
    # IN lists rather than PostgreSQL's = ANY(array): the embedded default is SQLite.
    sql = _OWN_PROPOSALS_SQL.format(
        proposal=quote(Proposal._meta.db_table),
        organisation=quote(Organisation._meta.db_table),
        leads=", ".join(["%s"] * len(lead_ids)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*lead_ids, *(str(status) for status in found), limit])
        rows = cursor.fetchall()
    for reference, title, status, short_name in rows:
        found[status].append(
            OwnProposal(reference, title, status, SimpleNamespace(short_name=short_name))
        )
    return found


def dashboard(*, user, status: str = "", organisation_id: int | None = None):
    """The proposals the dashboard lists, newest activity first, with the columns it shows.

    `sections_completed` is a subquery in the select list: the database works it out for
    the page's rows only, after choosing them, not for every visible proposal (a grouped
    join counted the sections of all of them before taking a page)."""
    completed = (
        SectionState.objects.filter(proposal=OuterRef("pk"), status=SectionStatus.COMPLETED)
        .order_by()
        .values("proposal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queryset = (
        proposals_visible_to(user=user)
        .select_related("lead_organisation")
        .only(
            "reference",
            "title",
            "status",
            "last_activity_at",
            "lead_organisation__short_name",
        )
        .annotate(sections_completed=Coalesce(Subquery(completed), 0))
        .order_by("-last_activity_at", "-pk")
    )
    if status:
        queryset = queryset.filter(status=status)
    if organisation_id:
        takes_part = Participant.objects.filter(
            proposal=OuterRef("pk"), organisation_id=organisation_id
        )
        queryset = queryset.filter(Q(lead_organisation_id=organisation_id) | Exists(takes_part))
    return queryset


def section_states(*, proposal) -> dict:
    return {state.section: state for state in proposal.sections.all()}


class Timeline(list):
    """The proposal's latest events, newest first, with `chain`: whether the whole record is
    intact (audit_chain.ChainReport), which the timeline shows above the events."""

    chain = None


# The timeline's read, compiled once per limit (isf_portal/compiled.py): compiling it cost more
# CPU than running it. Of the actor and the organisation only the names shown (a user row has
# ten columns, an organisation fourteen).
_EVENTS = CompiledRead(
    lambda proposal_id, limit: (
        ProposalEvent.objects.filter(proposal_id=proposal_id)
        .select_related("actor", "organisation")
        .only(
            *(f.attname for f in ProposalEvent._meta.concrete_fields),
            "actor__full_name",
            "organisation__short_name",
        )[:limit]
    ),
    proposal_id=int,
)


def timeline(*, proposal, limit: int = 200) -> Timeline:
    found = _EVENTS.instances(proposal_id=proposal.pk, limit=limit, known={"proposal": proposal})
    events = Timeline(found)
    # Fewer than the limit: these are all its events, and the chain is checked on them
    # rather than on a second read of the same rows.
    events.chain = proposal_chain(proposal, events if len(events) < limit else None)
    return events


def overdue_if_opened_before(working_days: int, today) -> datetime:
    """A decision still pending in a round opened before this moment has waited more than
    `working_days` working days by `today`: it is overdue (the steering list, insight and a
    governance officer's home all ask this)."""
    cutoff = latest_start_with(working_days, today)
    return timezone.make_aware(datetime.combine(cutoff + timedelta(days=1), time.min))


_IN_REVIEW_SQL = """
SELECT p.reference, p.title, o.short_name, r.id, r.opened_at, r.rule, t.overdue, t.total
FROM (
    SELECT p.id AS proposal_id, r.id AS round_id, r.opened_at AS opened_at, p.reference,
           CASE WHEN r.opened_at < %s AND EXISTS (
               SELECT 1 FROM {decision} d WHERE d.round_id = r.id AND d.status = %s
           ) THEN 1 ELSE 0 END AS overdue,
           COUNT(*) OVER () AS total
    FROM {proposal} p
    LEFT OUTER JOIN {round} r ON r.proposal_id = p.id AND r.closed_at IS NULL
    WHERE p.status = %s
    ORDER BY overdue DESC, opened_at ASC NULLS LAST, p.reference ASC
    LIMIT %s OFFSET %s
) t
JOIN {proposal} p ON p.id = t.proposal_id
JOIN {organisation} o ON o.id = p.lead_organisation_id
LEFT OUTER JOIN {round} r ON r.id = t.round_id
ORDER BY t.overdue DESC, t.opened_at ASC NULLS LAST, t.reference ASC
"""


class PagedRows:
    """Rows a Paginator takes: its `count()` and `_rows(offset, limit)` (one statement each),
    read through len() and slices."""

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, part):
        if not isinstance(part, slice):
            return self[part : part + 1][0]
        start = part.start or 0
        return self._rows(start, part.stop - start)


class InReview(PagedRows):
    """The steering list's rows, for a Paginator: `count()` and slices. A slice is one
    statement (the page's rows chosen first, then only their titles, leads and rules read)
    which also counts every row, so the page's count costs no statement of its own: the
    count reads the rows from `offset` (the page asked for), which the page's slice then
    takes without reading them again."""

    def __init__(self, opened_before: datetime, *, offset: int = 0, limit: int = 25):
        self.opened_before = opened_before
        self.offset, self.limit = offset, limit
        self._total = None
        self._read = None  # (offset, limit, rows)

    def count(self) -> int:
        if self._total is None:
            self._rows(self.offset, self.limit)
            if self._total is None:  # nothing from the page asked for: count from the start
                self._rows(0, 1)
            if self._total is None:  # nothing in review
                self._total = 0
        return self._total

    def _rows(self, offset: int, limit: int) -> list[dict]:
        read = self._read
        if read is not None and read[0] == offset and limit <= read[1]:
            return read[2][:limit]
        rows = _in_review_rows(self.opened_before, limit, offset)
        if rows:
            self._total = rows[0]["total"]
        for row in rows:
            del row["total"]
        self._read = (offset, limit, rows)
        return rows


def _in_review_rows(opened_before: datetime, limit: int, offset: int) -> list[dict]:
    quote = connection.ops.quote_name
    sql = _IN_REVIEW_SQL.format(
        decision=quote(OrganisationDecision._meta.db_table),
        proposal=quote(Proposal._meta.db_table),
        round=quote(ReviewRound._meta.db_table),
        organisation=quote(Organisation._meta.db_table),
    )
    opened = ReviewRound._meta.get_field("opened_at")
    params = [
        opened.get_db_prep_value(opened_before, connection),
        str(DecisionStatus.PENDING),
        str(ProposalStatus.IN_REVIEW),
        limit,
        offset,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    to_moment, to_rule = _converter(opened), _converter(ReviewRound._meta.get_field("rule"))
    return [
        {
            "reference": reference,
            "title": title,
            "lead": lead,
            "round_id": round_id,
            "opened_at": None if moment is None else to_moment(moment),
            "round_rule": None if rule is None else to_rule(rule),
            "overdue": bool(overdue),
            "total": total,
        }
        for reference, title, lead, round_id, moment, rule, overdue, total in found
    ]


def _converter(field):
    """What the ORM does to a value of `field` read from the database (a datetime's time
    zone on SQLite, a JSON document's parsing)."""
    column = field.cached_col
    converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)

    def convert(value):
        for converter in converters:
            value = converter(value, column, connection)
        return value

    return convert


def in_review(*, overdue_after_working_days: int, today, offset: int = 0, limit: int = 25):
    """Proposals in review for the steering group's list, the overdue ones first (a decision
    still pending after the escalation period), then the longest in review. Ordered in SQL so
    the list can be paginated however many proposals are in review.

    The open round (at most one a proposal) is joined once, so its opening time and the
    overdue flag are worked out in one pass over the proposals in review, carrying only
    their ids and sort keys; the page's rows are chosen from those, and only they are joined
    to their titles, leads and rules (carrying every row's title and rule through the sort
    was most of the statement's time). Each row is a dict of what the list shows:
    `reference`, `title`, `lead` (the lead's short name), `round_id`, `opened_at`,
    `round_rule` and `overdue`. Written in SQL that SQLite runs too (compiling the ORM's
    query cost more CPU than running it). `round_details` reads what the page shows of its
    rows' rounds. `offset` and `limit`: the page that will be asked for (the first page's
    count reads it along)."""
    return InReview(
        overdue_if_opened_before(overdue_after_working_days, today), offset=offset, limit=limit
    )


def round_details(round_ids) -> tuple[dict[int, list], dict[int, int]]:
    """For a page of rounds: their decisions by round id, each as (the organisation's short
    name, the status's label in lower case), and their steering votes' counts by round id.
    Two queries, whatever the page's size; plain values, and each status labelled once (a
    page holds a hundred decisions: model instances and a label each cost more than the
    query)."""
    round_ids = list(round_ids)
    labels = {status.value: str(status.label).lower() for status in DecisionStatus}
    decisions: dict[int, list] = {}
    for round_id, status, short_name in OrganisationDecision.objects.filter(
        round_id__in=round_ids
    ).values_list("round_id", "status", "organisation__short_name"):
        decisions.setdefault(round_id, []).append((short_name, labels.get(status, status)))
    votes = dict(
        SteeringVote.objects.filter(round_id__in=round_ids)
        .order_by()
        .values("round_id")
        .annotate(n=Count("pk"))
        .values_list("round_id", "n")
    )
    return decisions, votes
