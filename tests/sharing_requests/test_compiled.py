"""Reads compiled once (sharing_requests/compiled.py) give what their querysets give, for each
value bound, on PostgreSQL and on SQLite."""

import pytest

from organisations.models import Role
from sharing_requests import services
from sharing_requests.answers import parties_read
from sharing_requests.compiled import CompiledRead
from sharing_requests.models import Participant, Proposal, ProposalEvent
from sharing_requests.selectors import timeline
from tests.factories import member_of


@pytest.fixture
def member_of_b(org_b):
    return member_of(org_b, Role.MEMBER)


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


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


def test_a_value_that_is_not_a_parameter_is_refused(complete_proposal):
    read = CompiledRead(lambda reference: Proposal.objects.filter(title="x"), reference=str)
    with pytest.raises(ValueError, match="reference"):
        read.instances(reference=complete_proposal.reference)


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


def test_the_timeline_is_the_proposals_events_newest_first(complete_proposal):
    events = timeline(proposal=complete_proposal)
    expected = list(ProposalEvent.objects.filter(proposal=complete_proposal))
    assert [_fields(e) for e in events] == [_fields(e) for e in expected]
    assert events and events.chain.intact
