"""The navigation is cached per user and dropped when what it shows changes; the session is
renewed at most once a minute instead of being written on every request."""

import time

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.services import notify
from organisations import navigation
from organisations.models import Role, SteeringGroupMember
from organisations.services import membership_grant, membership_remove
from tests.factories import membership

# Each test reads a different page from the one before, so the page cache never answers.
PAGES = [reverse("home"), reverse("requests:list"), reverse("agreements:register"), "/privacy/"]


@pytest.fixture
def mia(client_for, member_a):
    client = client_for(member_a)
    client.get(PAGES[0])
    return client


def nav_of(client, page) -> str:
    html = client.get(page).content.decode()
    return html.split('id="navigation"', 1)[1].split("</ul>", 1)[0]


def test_the_navigation_is_read_from_the_cache_after_the_first_page(mia):
    with CaptureQueriesContext(connection) as captured:
        assert mia.get(PAGES[3]).status_code == 200
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert "organisations_steeringgroupmember" not in tables
    assert "notifications_notification" not in tables


def test_joining_and_leaving_an_organisation_shows_at_once(mia, member_a, org_b, admin_b):
    assert "BPNT" not in nav_of(mia, PAGES[1])
    membership_grant(user=member_a, organisation=org_b, roles=[Role.MEMBER], by=admin_b)
    assert "BPNT" in nav_of(mia, PAGES[2])
    membership_remove(membership=membership(member_a, org_b), by=admin_b)
    assert "BPNT" not in nav_of(mia, PAGES[3])


def test_a_steering_seat_shows_at_once(mia, member_a, org_b):
    assert "In review" not in nav_of(mia, PAGES[1])
    seat = SteeringGroupMember.objects.create(user=member_a, organisation=org_b)
    assert "In review" in nav_of(mia, PAGES[2])
    seat.delete()
    assert "In review" not in nav_of(mia, PAGES[3])


def insight_link(client, page) -> bool:
    return 'href="/insight/"' in nav_of(client, page)


def test_being_made_portal_administrator_shows_insight_on_the_next_page(mia, member_a):
    assert not insight_link(mia, PAGES[1])
    member_a.is_staff = True
    member_a.save(update_fields=["is_staff"])  # no signal the navigation cache listens to
    assert insight_link(mia, PAGES[2])
    assert mia.get("/insight/").status_code == 200
    member_a.is_staff = False
    member_a.save(update_fields=["is_staff"])
    assert not insight_link(mia, PAGES[3])
    assert mia.get("/insight/").status_code == 404


def test_a_steering_seat_or_the_governance_role_shows_insight_at_once(mia, member_a, org_a, org_b):
    seat = SteeringGroupMember.objects.create(user=member_a, organisation=org_b)
    assert insight_link(mia, PAGES[1])
    seat.delete()
    assert not insight_link(mia, PAGES[2])
    held = membership(member_a, org_a)
    held.set_roles([Role.MEMBER, Role.GOVERNANCE_OFFICER])
    held.save()
    assert insight_link(mia, PAGES[3])
    assert mia.get("/insight/").status_code == 200


def test_the_unread_count_follows_new_and_read_notifications(mia, member_a):
    assert "unread" not in nav_of(mia, PAGES[1])
    for n in range(2):
        notify(
            user=member_a,
            kind="review_requested",
            title=f"Decision needed {n}",
            url="/",
            template="review_requested",
            context={},
            send_email=False,
        )
    assert '2<span class="govuk-visually-hidden"> unread' in nav_of(mia, PAGES[2])
    mia.post(reverse("notifications:mark-all-read"))
    assert "unread" not in nav_of(mia, PAGES[3])


def test_renaming_an_organisation_renames_it_in_every_members_navigation(mia, org_a):
    assert "Ardwick" in nav_of(mia, PAGES[1])
    org_a.short_name = "Ardwick BC"
    org_a.save()
    assert "Ardwick BC" in nav_of(mia, PAGES[2])


def test_forget_drops_the_cached_navigation(member_a, db):
    navigation.navigation(member_a)
    from django.core.cache import cache

    assert cache.get(navigation.KEY.format(member_a.pk)) is not None
    navigation.forget(member_a.pk)
    assert cache.get(navigation.KEY.format(member_a.pk)) is None


# --- Sessions ----------------------------------------------------------------------------
def session_writes(client, page) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(page)
    return sum('"django_session"' in q["sql"] and "UPDATE" in q["sql"] for q in captured)


def expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_pages_within_a_minute_do_not_write_the_session(mia):
    assert [session_writes(mia, page) for page in PAGES[1:]] == [0, 0, 0]


def test_a_page_after_the_refresh_interval_renews_the_session(mia, settings):
    before = expiry(mia)
    with time_machine.travel(time.time() + settings.SESSION_REFRESH_SECONDS + 5):
        assert session_writes(mia, PAGES[1]) == 1
        assert (expiry(mia) - before).total_seconds() >= settings.SESSION_REFRESH_SECONDS


def test_the_session_outlives_the_idle_timeout_the_warning_counts_down(mia, settings):
    assert settings.SESSION_COOKIE_AGE == (
        settings.SESSION_IDLE_TIMEOUT + settings.SESSION_REFRESH_SECONDS
    )
    with time_machine.travel(time.time() + settings.SESSION_IDLE_TIMEOUT - 1):
        assert mia.get(PAGES[1]).status_code == 200  # still signed in


def test_an_idle_session_ends(mia, settings):
    with time_machine.travel(time.time() + settings.SESSION_COOKIE_AGE + 5):
        response = mia.get(PAGES[1])
    assert response.status_code == 302 and reverse("accounts:sign-in") in response.url


def test_stay_signed_in_renews_the_session_at_once(mia):
    before = expiry(mia)
    with time_machine.travel(time.time() + 10):
        assert mia.post(reverse("accounts:keep-alive")).status_code == 204
        assert expiry(mia) > before
