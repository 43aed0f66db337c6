"""The steering group's list of proposals in review: ordered in SQL (overdue first, then the
longest in review) and paginated, so it stays one page however many proposals are in review."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from sharing_requests.workdays import latest_start_with, working_days_between
from tests.workflow.conftest import build_proposal

STEERING_LIST = reverse("requests:steering-reviews")
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize("days", [0, 1, 5, 10, 23])
@pytest.mark.parametrize("end", [date(2027, 2, 22), date(2026, 12, 29), date(2027, 4, 5)])
def test_latest_start_is_the_last_day_that_has_waited_long_enough(days, end):
    start = latest_start_with(days, end)
    assert working_days_between(start, end) >= days
    later = date.fromordinal(start.toordinal() + 1)
    assert later > end or working_days_between(later, end) < days


def test_the_list_is_paginated_oldest_first_and_a_page_past_the_end_shows_the_last(
    wf, org_a, org_b, member_a, steering_member, client_for, settings
):
    for day in range(1, 28):  # one proposal submitted each day of February 2027
        proposal = build_proposal(lead=org_a, partners=[org_b], by=member_a, title=f"Day {day:02}")
        with time_machine.travel(datetime(2027, 2, day, 9, tzinfo=LONDON), tick=False):
            wf.submit(proposal, by=member_a)
    with time_machine.travel(datetime(2027, 3, 1, 9, tzinfo=LONDON), tick=False):
        client = client_for(steering_member)
        first = client.get(STEERING_LIST).content.decode()
        second = client.get(STEERING_LIST, {"page": 2}).content.decode()
        beyond = client.get(STEERING_LIST, {"page": 99}).content.decode()

    assert first.count('class="govuk-table__row"') == 1 + 25  # the header row and 25 rows
    assert first.index("Day 01") < first.index("Day 02") < first.index("Day 25")
    assert "Day 26" not in first and 'rel="next"' in first
    assert "Day 26" in second and "Day 27" in second and "Day 01" not in second
    rows = lambda html: html.split("<tbody", 1)[1].split("</tbody>", 1)[0]  # noqa: E731
    assert rows(beyond) == rows(second)


def test_home_lists_the_oldest_waiting_decisions_and_links_to_the_rest(
    wf, org_a, org_b, member_a, approver_b, client_for, monkeypatch
):
    from isf_portal import views

    monkeypatch.setattr(views, "HOME_LIST_LIMIT", 2)
    for day in (1, 2, 3):
        proposal = build_proposal(lead=org_a, partners=[org_b], by=member_a, title=f"Day {day}")
        with time_machine.travel(datetime(2027, 2, day, 9, tzinfo=LONDON), tick=False):
            wf.submit(proposal, by=member_a)
    with time_machine.travel(datetime(2027, 2, 4, 9, tzinfo=LONDON), tick=False):
        home = client_for(approver_b).get(reverse("home")).content.decode()
    waiting = home.split("Awaiting your decision", 1)[1].split("</ul>", 1)[0]
    assert "Day 1" in waiting and "Day 2" in waiting and "Day 3" not in waiting
    assert "More are waiting" in home
    assert 'href="/proposals/?status=in_review"' in home


def test_a_proposal_in_review_before_its_round_opens_is_listed_last_and_counted(
    wf, org_a, org_b, member_a, steering_member, client_for, django_assert_max_num_queries
):
    from sharing_requests.models import Proposal

    waiting = build_proposal(lead=org_a, partners=[org_b], by=member_a, title="Round to come")
    proposal = build_proposal(lead=org_a, partners=[org_b], by=member_a, title="Round open")
    with time_machine.travel(datetime(2027, 2, 1, 9, tzinfo=LONDON), tick=False):
        wf.submit(proposal, by=member_a)
    # Submitted, its round not opened yet (the worker has not run): no round to join.
    Proposal.objects.filter(pk=waiting.pk).update(status="in_review")
    with time_machine.travel(datetime(2027, 2, 3, 9, tzinfo=LONDON), tick=False):
        client = client_for(steering_member)
        client.get(STEERING_LIST)
        with django_assert_max_num_queries(5):
            page = client.get(STEERING_LIST).content.decode()
    assert page.count('class="govuk-table__row"') == 1 + 2
    assert page.index("Round open") < page.index("Round to come")
    assert "Overdue" not in page
