"""The dashboard's reads in SQL (sharing_requests/dashboard_reads.py) list what the ORM's
selectors.dashboard lists, in the same order, counted as the paginator counted them, whatever
the filters and the page; and stay one statement each however many proposals there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from organisations.models import Role
from sharing_requests import selectors, services
from sharing_requests.dashboard_reads import DashboardRows
from tests.factories import member_of

from .test_dashboard import browser, make, url

pytestmark = pytest.mark.django_db


def _expected(user, **filters):
    return [
        (
            p.reference,
            p.title,
            p.status,
            p.last_activity_at,
            p.lead_organisation.short_name,
            p.sections_completed,
        )
        for p in selectors.dashboard(user=user, **filters)
    ]


def test_rows_and_counts_match_the_orms_for_every_filter(org_a, org_b, org_c, member_a, outsider):
    both = member_of(org_b, Role.MEMBER, user=member_a)
    made = make(5, organisation=org_a, by=member_a, partner=org_b)
    make(2, organisation=org_b, by=both)
    make(1, organisation=org_c, by=member_of(org_c, Role.MEMBER))
    services.proposal_withdraw(proposal=made[1], by=member_a, reason="Duplicate")
    cases = [
        {},
        {"status": "draft"},
        {"status": "withdrawn"},
        {"organisation_id": org_a.pk},
        {"organisation_id": org_b.pk},
        {"organisation_id": org_c.pk},
        {"status": "draft", "organisation_id": org_b.pk},
    ]
    for filters in cases:
        rows = DashboardRows(user=member_a, **filters)
        expected = _expected(member_a, **filters)
        assert [tuple(row) for row in rows[0:20]] == expected, filters
        assert rows.count() == len(expected), filters
        assert [tuple(row) for row in rows[2:4]] == expected[2:4], filters
    assert DashboardRows(user=member_a).count() == selectors.dashboard_count(user=member_a) == 7
    # Someone of another organisation sees only its proposal.
    theirs = DashboardRows(user=outsider)
    assert theirs.count() == selectors.dashboard_count(user=outsider) == len(_expected(outsider))
    assert [tuple(row) for row in theirs[0:20]] == _expected(outsider)
    assert made[0].reference not in [row.reference for row in theirs[0:20]]


def test_each_read_is_one_statement_however_many_proposals(org_a, org_b, member_a):
    def statements(**filters):
        rows = DashboardRows(user=member_a, **filters)
        with CaptureQueriesContext(connection) as queries:
            rows.count()
            rows[0:20]
        return len(queries)

    make(2, organisation=org_a, by=member_a, partner=org_b)
    few = [statements(), statements(status="draft", organisation_id=org_b.pk)]
    make(25, organisation=org_a, by=member_a, partner=org_b)
    assert [statements(), statements(status="draft", organisation_id=org_b.pk)] == few == [2, 2]


def test_the_page_escapes_what_people_typed(org_a, member_a):
    services.proposal_create(lead_organisation=org_a, title="<script>x</script>", by=member_a)
    html = browser(member_a).get(url("list")).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
