"""The dashboard's reads (views.dashboard proposal_list): how many proposals it lists and a
page of their rows, each one statement written in SQL that SQLite runs too.

They ask what selectors.dashboard and selectors.dashboard_count ask through the ORM (the
proposals the user's groups are granted VIEW's `view_proposal` on, permissions.objects_for,
filtered by status and by an organisation leading or taking part, newest activity first),
without building and compiling those querysets on every visit: that was most of the
dashboard's CPU, several times what running the statements cost."""

from typing import NamedTuple

from django.contrib.auth.models import Permission
from django.db import connection

from organisations.models import Organisation, User

from .choices import SectionStatus
from .models import Participant, Proposal, ProposalGroupObjectPermission, SectionState
from .permissions import POLICY, Action
from .selectors import PagedRows

# The grant that lets a user view a proposal (the VIEW row of permissions.POLICY).
_VIEW = POLICY[Action.VIEW].grant

# Every proposal counted through its grants alone, as permissions.count_for counts them.
_COUNT_GRANTED_SQL = """
SELECT COUNT(DISTINCT g.content_object_id) FROM {grant} g
JOIN {permission} perm ON perm.id = g.permission_id
WHERE g.group_id IN (SELECT ug.group_id FROM {user_groups} ug WHERE ug.user_id = %s)
  AND perm.codename = %s
"""

_VISIBLE = """EXISTS (
    SELECT 1 FROM {grant} g
    JOIN {user_groups} ug ON ug.group_id = g.group_id
    JOIN {permission} perm ON perm.id = g.permission_id
    WHERE g.content_object_id = p.id AND ug.user_id = %s AND perm.codename = %s
)"""
_STATUS = " AND p.status = %s"
_ORGANISATION = """ AND (p.lead_organisation_id = %s OR EXISTS (
    SELECT 1 FROM {participant} pa WHERE pa.organisation_id = %s AND pa.proposal_id = p.id
))"""

_COUNT_SQL = "SELECT COUNT(*) FROM {proposal} p WHERE {where}"

# The page's proposals are chosen first, and only theirs are joined to their lead
# organisation: joined before the sort, every visible proposal's lead was read (369 for a
# typical partner in make bench, a quarter of the statement's time).
_PAGE_SQL = """
SELECT p.reference, p.title, p.status, p.last_activity_at, o.short_name,
       (SELECT COUNT(*) FROM {section} s WHERE s.proposal_id = p.id AND s.status = %s)
FROM (
    SELECT p.id, p.reference, p.title, p.status, p.last_activity_at, p.lead_organisation_id
    FROM {proposal} p
    WHERE {where}
    ORDER BY p.last_activity_at DESC, p.id DESC
    LIMIT %s OFFSET %s
) p
JOIN {organisation} o ON o.id = p.lead_organisation_id
ORDER BY p.last_activity_at DESC, p.id DESC
"""


class DashboardRow(NamedTuple):
    """What the dashboard's table shows of a proposal."""

    reference: str
    title: str
    status: str
    last_activity_at: object  # an aware datetime
    lead: str  # the lead organisation's short name
    sections_completed: int


def _tables() -> dict:
    quote = connection.ops.quote_name
    return {
        "grant": quote(ProposalGroupObjectPermission._meta.db_table),
        "permission": quote(Permission._meta.db_table),
        "user_groups": quote(User.groups.through._meta.db_table),
        "participant": quote(Participant._meta.db_table),
        "proposal": quote(Proposal._meta.db_table),
        "organisation": quote(Organisation._meta.db_table),
        "section": quote(SectionState._meta.db_table),
    }


class DashboardRows(PagedRows):
    """The proposals the dashboard lists, for a Paginator: `count()` and slices, each one
    statement. `status` and `organisation_id` filter them as selectors.dashboard does."""

    def __init__(self, *, user, status: str = "", organisation_id: int | None = None):
        self.user_id = user.pk if user.is_authenticated else None
        self.status = status
        self.organisation_id = organisation_id

    def _where(self, tables: dict) -> tuple[str, list]:
        where, params = _VISIBLE.format(**tables), [self.user_id, _VIEW]
        if self.status:
            where += _STATUS
            params.append(str(self.status))
        if self.organisation_id:
            where += _ORGANISATION.format(**tables)
            params += [self.organisation_id, self.organisation_id]
        return where, params

    def count(self) -> int:
        if self.user_id is None:
            return 0
        tables = _tables()
        if self.status or self.organisation_id:
            where, params = self._where(tables)
            sql = _COUNT_SQL.format(where=where, **tables)
        else:
            sql, params = _COUNT_GRANTED_SQL.format(**tables), [self.user_id, _VIEW]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def _rows(self, offset: int, limit: int) -> list[DashboardRow]:
        if self.user_id is None or limit <= 0:
            return []
        tables = _tables()
        where, params = self._where(tables)
        sql = _PAGE_SQL.format(where=where, **tables)
        with connection.cursor() as cursor:
            cursor.execute(sql, [str(SectionStatus.COMPLETED), *params, limit, offset])
            found = cursor.fetchall()
        to_moment = _converter(Proposal._meta.get_field("last_activity_at"))
        return [
            DashboardRow(reference, title, status, to_moment(moment), lead, int(completed or 0))
            for reference, title, status, moment, lead, completed in found
        ]


def _converter(field):
    """What the ORM does to a value of `field` read from the database (a datetime's time
    zone on SQLite); nothing where it does nothing (PostgreSQL's datetimes)."""
    column = field.cached_col
    converters = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
    if not converters:
        return lambda value: value

    def convert(value):
        for converter in converters:
            value = converter(value, column, connection)
        return value

    return convert
