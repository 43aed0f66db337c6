"""The dashboard: the user's and their organisations' proposals, filtered and paginated, in a
number of queries that does not grow with the number of proposals."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from organisations.models import Role
from sharing_requests import permissions, selectors, services
from sharing_requests.choices import Section
from sharing_requests.views.dashboard import PAGE_SIZE
from tests.factories import member_of

from .conftest import invite, url

pytestmark = pytest.mark.django_db

# Measured for 3 and for 30 proposals alike: the user (1); the user's memberships, for the
# organisation filter, the start button and the page header (3); the steering-group seat and the
# unread notifications count of the header (2); the paginator's count (1); the page of proposals
# with their lead organisations and completed sections (1); saving the session (3).
DASHBOARD_MAX_QUERIES = 11

REFERENCE = re.compile(r"ISF-\d{4}-\d{4}")


def browser(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def listed(response) -> list[str]:
    html = response.content.decode()
    table = html.split('<tbody class="govuk-table__body">', 1)[-1].split("</tbody>", 1)[0]
    # Each row names its reference twice: in the link and under the title.
    return list(dict.fromkeys(REFERENCE.findall(table)))


def make(n, *, organisation, by, partner=None):
    made = []
    for i in range(n):
        p = services.proposal_create(lead_organisation=organisation, title=f"P{i}", by=by)
        if partner is not None and i % 2 == 0:
            invite(p, partner, by=by, email=f"contact{i}@example.org")
        made.append(p)
    return made


def test_the_dashboard_lists_the_users_organisations_proposals_newest_activity_first(
    org_a, org_b, member_a, partner_b
):
    older, newer = make(2, organisation=org_a, by=member_a)
    theirs = make(1, organisation=org_b, by=partner_b)[0]
    services.proposal_update(
        proposal=older,
        section=Section.NEEDS,
        data={"data_subjects": "x"},
        by=member_a,
        revision=None,
    )

    response = browser(member_a).get(url("list"))

    assert listed(response) == [older.reference, newer.reference]
    assert theirs.reference not in response.content.decode()


def test_filter_by_status(org_a, member_a):
    kept, withdrawn = make(2, organisation=org_a, by=member_a)
    services.proposal_withdraw(proposal=withdrawn, by=member_a, reason="Duplicate")
    client = browser(member_a)

    assert listed(client.get(url("list"), {"status": "withdrawn"})) == [withdrawn.reference]
    assert listed(client.get(url("list"), {"status": "draft"})) == [kept.reference]
    assert listed(client.get(url("list"), {"status": "approved"})) == []
    assert (
        "No proposals match these filters."
        in client.get(url("list"), {"status": "approved"}).content.decode()
    )
    # An unknown status is ignored rather than an error.
    assert len(listed(client.get(url("list"), {"status": "<bogus>"}))) == 2


def test_filter_by_organisation_includes_proposals_it_takes_part_in(org_a, org_b, org_c, member_a):
    both = member_of(org_b, Role.MEMBER, user=member_a)  # member_a now also at org_b
    led_by_a = make(1, organisation=org_a, by=member_a)[0]
    with_b = make(1, organisation=org_a, by=member_a, partner=org_b)[0]
    led_by_b = make(1, organisation=org_b, by=both)[0]
    client = browser(member_a)

    assert set(listed(client.get(url("list"), {"organisation": org_b.pk}))) == {
        with_b.reference,
        led_by_b.reference,
    }
    assert set(listed(client.get(url("list"), {"organisation": org_a.pk}))) == {
        led_by_a.reference,
        with_b.reference,
    }
    assert len(listed(client.get(url("list"), {"organisation": "x"}))) == 3
    # Another organisation's id shows nothing the user could not see anyway.
    assert listed(client.get(url("list"), {"organisation": org_c.pk})) == []


def test_sections_completed_are_counted_once_whatever_the_filter(
    complete_proposal, member_a, org_a, org_b
):
    services.section_mark(
        proposal=complete_proposal, section=Section.NEEDS, completed=True, by=member_a
    )
    client = browser(member_a)
    for query in ({}, {"organisation": org_a.pk}, {"status": "draft", "organisation": org_a.pk}):
        html = client.get(url("list"), query).content.decode()
        assert "1 of 7" in html, query

    rows = selectors.dashboard(user=member_a, organisation_id=org_a.pk)
    assert [p.sections_completed for p in rows] == [1]
    assert rows.count() == 1


def test_pagination_keeps_the_filters(org_a, member_a):
    made = make(PAGE_SIZE + 3, organisation=org_a, by=member_a)
    client = browser(member_a)

    first = client.get(url("list"), {"status": "draft"})
    second = client.get(url("list"), {"status": "draft", "page": 2})

    assert len(listed(first)) == PAGE_SIZE
    assert len(listed(second)) == 3
    assert set(listed(first)) | set(listed(second)) == {p.reference for p in made}
    assert "?status=draft&amp;page=2" in first.content.decode()
    assert f"{PAGE_SIZE + 3} proposals" in first.content.decode()
    # Numbered GOV.UK pagination: every page is a link, the current one marked as such.
    html = second.content.decode()
    assert 'href="?status=draft&amp;page=1" aria-label="Page 1">1</a>' in html
    assert 'href="?status=draft&amp;page=2" aria-label="Page 2" aria-current="page">2</a>' in html
    # A page past the end shows the last page rather than an error.
    assert listed(client.get(url("list"), {"page": 99})) == listed(second)


def _dashboard_queries(client) -> int:
    client.get(url("list"))  # warm: the session's renewal, the cached navigation
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("list"))
    assert response.status_code == 200
    return len(queries)


def test_dashboard_query_count_does_not_grow_with_proposals(
    org_a, org_b, member_a, django_assert_max_num_queries
):
    client = browser(member_a)
    make(3, organisation=org_a, by=member_a, partner=org_b)
    few = _dashboard_queries(client)
    make(27, organisation=org_a, by=member_a, partner=org_b)
    many = _dashboard_queries(client)
    assert few == many

    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        assert len(listed(client.get(url("list")))) == PAGE_SIZE
    with django_assert_max_num_queries(DASHBOARD_MAX_QUERIES):
        client.get(url("list"), {"status": "draft", "organisation": org_b.pk, "page": 2})


def test_the_count_takes_a_proposal_seen_through_two_organisations_once(
    org_a, org_b, member_a, outsider
):
    member_of(org_b, user=member_a)  # read only at the partner too: a second group's grants
    make(3, organisation=org_a, by=member_a, partner=org_b)

    assert selectors.dashboard_count(user=member_a) == 3
    assert permissions.objects_for(member_a).count() == 3
    assert "3 proposals" in browser(member_a).get(url("list")).content.decode()
    assert selectors.dashboard_count(user=outsider) == 0
