"""Reads of a fixed shape compiled once (isf_portal/compiled.py) give what their querysets
give, for each value bound, on PostgreSQL and on SQLite; and the reads built on them (the
cheaper sign-in read of isf_portal/middleware.py, the memberships and seat, the parties, the
timeline) give the same rows and the same decisions as the ORM and Django's get_user."""

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.db import connections
from django.db.models import Count, Q
from django.urls import reverse

from isf_portal.compiled import CompiledRead
from organisations import permissions
from organisations.models import Membership, Organisation, Role
from sharing_requests import services
from sharing_requests.answers import parties_read
from sharing_requests.models import Participant, Proposal, ProposalEvent
from sharing_requests.selectors import timeline
from tests.factories import OrganisationFactory, SteeringGroupMemberFactory, UserFactory, member_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def member_of_b(org_b):
    return member_of(org_b, Role.MEMBER)


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_a_compiled_read_reads_what_the_queryset_reads(django_assert_num_queries):
    first, second = OrganisationFactory(), OrganisationFactory()
    user = member_of(first, Role.APPROVER)
    member_of(second, Role.MEMBER, user=user)
    member_of(first, Role.MEMBER)  # someone else's
    read = CompiledRead(
        lambda user_id: (
            Membership.objects.filter(user_id=user_id).select_related("organisation").order_by("pk")
        ),
        user_id=int,
    )
    expected = list(
        Membership.objects.filter(user=user).select_related("organisation").order_by("pk")
    )
    with django_assert_num_queries(1):
        found = read.instances(user_id=user.pk)
        names = [m.organisation.name for m in found]  # select_related: no query more
    assert [m.pk for m in found] == [m.pk for m in expected]
    assert [m.is_approver for m in found] == [True, False]
    assert names == [first.name, second.name]
    assert found[0]._state.adding is False and found[0]._state.db == "default"
    assert read.instances(user_id=-5) == []


def test_a_compiled_read_binds_lists_and_compiles_once_per_length_and_limit():
    organisations = [OrganisationFactory() for _ in range(3)]
    users = [member_of(o, Role.MEMBER) for o in organisations]
    read = CompiledRead(
        lambda org_ids, user_id, limit: (
            Membership.objects.filter(organisation_id__in=org_ids)
            .exclude(user_id=user_id)
            .order_by("pk")[:limit]
        ),
        org_ids=tuple,
        user_id=int,
    )
    ids = tuple(o.pk for o in organisations)
    found = read.instances(org_ids=ids, user_id=users[0].pk, limit=None)
    assert [m.user_id for m in found] == [u.pk for u in users[1:]]
    found = read.instances(org_ids=ids, user_id=users[0].pk, limit=1)
    assert [m.user_id for m in found] == [users[1].pk]
    found = read.instances(org_ids=ids[:1], user_id=users[1].pk, limit=5)
    assert [m.user_id for m in found] == [users[0].pk]
    assert read.instances(org_ids=ids[:1], user_id=users[0].pk, limit=5) == []
    # Three shapes: (3 ids, no limit), (3 ids, 1), (1 id, 5), the last read twice.
    assert len(read._plans[connections["default"]]) == 3


def test_a_shape_may_read_another_model(org_a):
    # A shape keyword may choose the model (granted_codenames: one read per guardian table):
    # each shape reads its own model's rows, as its own instances.
    member = member_of(org_a, Role.MEMBER)
    read = CompiledRead(lambda pk, model: model.objects.filter(pk=pk), pk=int)
    found = read.instances(pk=org_a.pk, model=Organisation)
    assert [(type(o), o.pk) for o in found] == [(Organisation, org_a.pk)]
    membership = Membership.objects.get(user=member)
    found = read.instances(pk=membership.pk, model=Membership)
    assert [(type(m), m.user_id) for m in found] == [(Membership, member.pk)]


def test_a_compiled_read_finds_what_its_queryset_finds_for_each_value(
    complete_proposal, org_b, member_of_b
):
    other = services.proposal_create(lead_organisation=org_b, title="Other", by=member_of_b)
    read = CompiledRead(
        lambda reference: Proposal.objects.select_related("lead_organisation").filter(
            reference=reference
        )[:1],
        reference=str,
    )
    for proposal in (complete_proposal, other, complete_proposal):
        (found,) = read.instances(reference=proposal.reference)
        expected = Proposal.objects.select_related("lead_organisation").get(pk=proposal.pk)
        assert _fields(found) == _fields(expected)
        # The select_related row is built too: reading it needs no query.
        assert found.lead_organisation.name == expected.lead_organisation.name
    assert read.instances(reference="ISF-0000-00000") == []


def test_rows_are_the_querysets_rows_with_a_value_bound_at_each_place_it_appears(org_a, org_b):
    member_of(org_b, Role.MEMBER)

    def build(name):
        return (
            Organisation.objects.filter(Q(name=name) | Q(short_name=name))
            .annotate(members=Count("memberships"))
            .order_by("pk")
            .values_list("pk", "members")
        )

    read = CompiledRead(build, name=str)
    for name in (org_a.name, org_b.short_name, "nobody"):
        assert [tuple(row) for row in read.rows(name=name)] == list(build(name))
    assert [tuple(row) for row in read.rows(name=org_b.short_name)] == [(org_b.pk, 1)]


def test_a_value_that_is_not_a_parameter_is_refused(complete_proposal):
    read = CompiledRead(lambda reference: Proposal.objects.filter(title="x"), reference=str)
    with pytest.raises(ValueError, match="reference"):
        read.instances(reference=complete_proposal.reference)
    with pytest.raises(TypeError):
        CompiledRead(lambda reference: Proposal.objects.all(), reference=list)


def test_parties_read_keeps_parties_and_bases_as_prefetched(
    complete_proposal, django_assert_num_queries
):
    expected = list(
        Participant.objects.filter(proposal=complete_proposal)
        .select_related("organisation")
        .prefetch_related("lawful_bases")
    )
    proposal = Proposal.objects.get(pk=complete_proposal.pk)
    with django_assert_num_queries(2):
        parties = parties_read(proposal)
    with django_assert_num_queries(0):
        assert [p.pk for p in proposal.participants.all()] == [p.pk for p in expected]
        for party, want in zip(parties, expected, strict=True):
            assert party.organisation.name == want.organisation.name
            assert party.proposal is proposal
            got = sorted((_fields(b) for b in party.lawful_bases.all()), key=str)
            assert got == sorted((_fields(b) for b in want.lawful_bases.all()), key=str)
            assert all(b.participant is party for b in party.lawful_bases.all())
    assert any(party.lawful_bases.all() for party in parties)


def test_a_further_filter_on_prefetched_rows_reads_only_that_instances_rows(complete_proposal):
    """A relation stored by prefetched() is the relation's own queryset: filtering it again
    (as the agreement page's consents filter its parties) reads that parent's rows, never
    every row of the table."""
    proposal = Proposal.objects.get(pk=complete_proposal.pk)
    first = parties_read(proposal)[0]
    further = proposal.participants.exclude(pk=first.pk)
    assert '"proposal_id" = ' in str(further.query)  # filtered to this proposal
    expected = Participant.objects.filter(proposal=proposal).exclude(pk=first.pk)
    assert set(further.values_list("pk", flat=True)) == set(expected.values_list("pk", flat=True))


def test_the_timeline_is_the_proposals_events_newest_first(complete_proposal):
    events = timeline(proposal=complete_proposal)
    expected = list(ProposalEvent.objects.filter(proposal=complete_proposal))
    assert [_fields(e) for e in events] == [_fields(e) for e in expected]
    assert events and events.chain.intact
    latest = timeline(proposal=complete_proposal, limit=1)
    assert [_fields(e) for e in latest] == [_fields(expected[0])]


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
