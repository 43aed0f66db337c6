"""Fixed-shape queries compiled once (isf_portal/compiled.py) and the cheaper sign-in read
(isf_portal/middleware.py): the same rows and the same decisions as the ORM and Django's
get_user."""

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.urls import reverse

from isf_portal.compiled import FixedQuery
from organisations import permissions
from organisations.models import Membership, Role
from tests.factories import OrganisationFactory, SteeringGroupMemberFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


def test_fixed_query_reads_what_the_queryset_reads(django_assert_num_queries):
    first, second = OrganisationFactory(), OrganisationFactory()
    user = member_of(first, Role.APPROVER)
    member_of(second, Role.MEMBER, user=user)
    member_of(first, Role.MEMBER)  # someone else's
    query = FixedQuery(
        lambda user_id: (
            Membership.objects.filter(user_id=user_id).select_related("organisation").order_by("pk")
        )
    )
    expected = list(
        Membership.objects.filter(user=user).select_related("organisation").order_by("pk")
    )
    with django_assert_num_queries(1):
        found = query.all(user.pk)
        names = [m.organisation.name for m in found]  # select_related: no query more
    assert [m.pk for m in found] == [m.pk for m in expected]
    assert [m.is_approver for m in found] == [True, False]
    assert names == [first.name, second.name]
    assert found[0]._state.adding is False and found[0]._state.db == "default"
    assert query.all(-5) == []


def test_fixed_query_binds_lists_and_compiles_per_length_and_limit():
    organisations = [OrganisationFactory() for _ in range(3)]
    users = [member_of(o, Role.MEMBER) for o in organisations]
    query = FixedQuery(
        lambda org_ids, user_id, limit: (
            Membership.objects.filter(organisation_id__in=org_ids)
            .exclude(user_id=user_id)
            .order_by("pk")[:limit]
        )
    )
    ids = tuple(o.pk for o in organisations)
    assert [m.user_id for m in query.all(ids, users[0].pk, limit=None)] == [u.pk for u in users[1:]]
    assert [m.user_id for m in query.all(ids, users[0].pk, limit=1)] == [users[1].pk]
    assert [m.user_id for m in query.all(ids[:1], users[1].pk, limit=5)] == [users[0].pk]
    assert [m.user_id for m in query.all(ids[:1], users[0].pk, limit=5)] == []


def test_memberships_and_seat_read_once_per_request(rf, django_assert_num_queries):
    organisation = OrganisationFactory()
    user = member_of(organisation, Role.APPROVER)
    seat = SteeringGroupMemberFactory(user=user)
    request = rf.get("/")
    request.user = user
    with django_assert_num_queries(2):
        held = permissions.memberships(request)
        assert permissions.steering_seat(request).pk == seat.pk
        permissions.memberships(request)
        permissions.steering_seat(request)
    assert list(held) == [organisation.pk] and held[organisation.pk].is_approver
    assert permissions.steering_seat(UserFactory()) is None


def test_signed_in_user_is_read_and_checked(client):
    user = member_of(OrganisationFactory(), Role.MEMBER)
    client.force_login(user)
    assert client.get(reverse("home")).context["user"].pk == user.pk


def test_stale_session_hash_signs_out(client):
    """A password changed elsewhere: the session's hash no longer matches, and the request is
    anonymous and the session flushed, as Django's get_user does."""
    user = member_of(OrganisationFactory(), Role.MEMBER)
    client.force_login(user)
    session = client.session
    session[HASH_SESSION_KEY] = "not-the-hash"
    session.save()
    response = client.get(reverse("requests:list"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_inactive_user_is_anonymous(client):
    user = member_of(OrganisationFactory(), Role.MEMBER)
    client.force_login(user)
    user.is_active = False
    user.save()
    assert client.get(reverse("requests:list")).status_code == 302
