"""What every signed-in page pays for its layout: the navigation read once per request (and
read on a first visit by compiled statements giving what the ORM's selectors gave), the
organisations' links written without reverse(), the fixed links drawn once."""

from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from isf_portal import context_processors
from notifications.models import Notification
from organisations import navigation
from organisations.models import Role
from organisations.selectors import memberships_of, steering_seat_of
from tests.factories import OrganisationFactory, SteeringGroupMemberFactory, member_of

pytestmark = pytest.mark.django_db


def _orm_navigation(user) -> dict:
    """What navigation() read through the ORM before its reads were compiled."""
    return {
        "organisations": [
            {
                "slug": m.organisation.slug,
                "short_name": m.organisation.short_name,
                "roles": list(m.role_labels),
                "role_values": [str(role) for role in m.roles],
            }
            for m in memberships_of(user=user)
        ],
        "steering": steering_seat_of(user=user) is not None,
        "unread": Notification.objects.filter(user=user, read_at__isnull=True).count(),
    }


def test_a_first_visit_reads_what_the_orm_selectors_read():
    zeta = OrganisationFactory(name="Zeta Council", short_name="Zeta")
    alpha = OrganisationFactory(name="Alpha Council", short_name="Alpha")
    closed = OrganisationFactory(name="Beta Council", short_name="Beta", is_active=False)
    user = member_of(zeta, Role.APPROVER, Role.SIGNATORY)
    member_of(alpha, user=user)  # read only
    member_of(closed, Role.MEMBER, user=user)
    cache.clear()
    user = type(user).objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as captured:
        data = navigation.navigation(user)
    assert len(captured) == 3
    assert data == _orm_navigation(user)
    assert [o["short_name"] for o in data["organisations"]] == ["Alpha", "Zeta"]
    assert data["steering"] is False and data["unread"] == 0


def test_a_first_visit_counts_the_unread_and_finds_the_seat():
    org = OrganisationFactory()
    user = member_of(org, Role.MEMBER)
    SteeringGroupMemberFactory(user=user, organisation=org)
    for read_at in (None, None, "2026-01-01T00:00:00Z"):
        Notification.objects.create(user=user, kind="other", title="x", read_at=read_at)
    cache.clear()
    data = navigation.navigation(type(user).objects.get(pk=user.pk))
    assert data == _orm_navigation(user)
    assert data["steering"] is True and data["unread"] == 2


def test_the_navigation_is_read_once_per_user_object_until_something_drops_it():
    user = member_of(OrganisationFactory(), Role.MEMBER)
    navigation.navigation(user)
    with mock.patch.object(navigation.cache, "get", wraps=navigation.cache.get) as get:
        navigation.navigation(user)
        navigation.navigation(user)
        assert get.call_count == 0
        navigation.forget(user.pk)  # as every signal that changes it does
        navigation.navigation(user)
        assert get.call_count == 1
        other = type(user).objects.get(pk=user.pk)  # another request's user
        navigation.navigation(other)
        assert get.call_count == 2


def test_a_new_membership_shows_in_the_same_user_objects_navigation():
    user = member_of(OrganisationFactory(short_name="One"), Role.MEMBER)
    assert len(navigation.navigation(user)["organisations"]) == 1
    member_of(OrganisationFactory(short_name="Two"), Role.MEMBER, user=user)
    assert len(navigation.navigation(user)["organisations"]) == 2


@pytest.mark.parametrize("slug", ["ardwick", "a-b_c-9", "UPPER"])
def test_organisation_links_are_what_reverse_gives(slug):
    assert context_processors._organisation_url(slug) == reverse(
        "organisations:detail", args=[slug]
    )


def test_organisation_links_follow_the_script_prefix():
    from django.urls import set_script_prefix

    set_script_prefix("/portal/")
    try:
        assert context_processors._organisation_url("ardwick") == "/portal/organisations/ardwick/"
        assert context_processors._organisation_url("ardwick") == reverse(
            "organisations:detail", args=["ardwick"]
        )
    finally:
        set_script_prefix("/")


def test_the_fixed_links_mark_the_page_being_read(client_for, member_a):
    client = client_for(member_a)
    for page in (reverse("home"), reverse("notifications:list"), "/privacy/"):
        html = client.get(page).content.decode()
        nav = html.split('id="navigation"', 1)[1].split("</ul>", 1)[0]
        current = [line for line in nav.splitlines() if 'aria-current="page"' in line]
        assert len(current) == (0 if page == "/privacy/" else 1)
        if current:
            assert f'href="{page}"' in current[0]
