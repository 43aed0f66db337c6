"""The timelines' hash chains (isf_portal/audit_chain.py): what the chain is made of, that the
one writer keeps it, and that an edited event, a deleted one in the middle and a deleted last
one are each detected, by `audit_verify` and on the proposal's page. The agreement's pages:
tests/agreements/test_audit_chain_views.py."""

import importlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from isf_portal import audit_chain
from organisations.models import Role
from sharing_requests import services
from sharing_requests.events import proposal_chain, proposal_event
from sharing_requests.models import Proposal, ProposalEvent
from tests.conftest import fresh, url
from tests.factories import member_of

KEY = b"a-test-key-of-the-chain"
T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@dataclass
class Event:
    created_at: datetime
    kind: str
    description: str
    actor_id: int | None = 7
    organisation_id: int | None = None
    sequence: int = 0
    previous_hash: str = ""
    hash: str = ""


def made(n: int = 3) -> tuple[list[Event], str]:
    events = [Event(T0 + timedelta(minutes=i), f"kind{i}", f"Event {i}") for i in range(n)]
    count, last = audit_chain.chain(events, domain="proposal", parent_id=5, secret=KEY)
    head = audit_chain.head_seal(
        domain="proposal", parent_id=5, count=count, last_hash=last, secret=KEY
    )
    return events, head


def check(events, head, count=None, key=KEY):
    return audit_chain.verify(
        events,
        head=head,
        count=len(events) if count is None else count,
        domain="proposal",
        parent_id=5,
        secret=key,
    )


# --- The module -------------------------------------------------------------------------------
def test_a_chain_links_each_event_to_the_one_before():
    events, head = made()

    assert [e.sequence for e in events] == [1, 2, 3]
    assert events[0].previous_hash == ""
    assert [e.previous_hash for e in events[1:]] == [e.hash for e in events[:-1]]
    assert all(len(e.hash) == 64 for e in events)
    assert check(events, head) == audit_chain.ChainReport(True)


def test_the_hash_covers_every_field_and_the_key():
    events, _ = made(1)
    event = events[0]
    original = event.hash

    def rehash(**changes):
        changed = Event(**{**event.__dict__, **changes})
        return audit_chain.event_hash(changed, domain="proposal", parent_id=5, secret=KEY)

    assert rehash() == original
    for changes in (
        {"created_at": T0 + timedelta(microseconds=1)},
        {"kind": "other"},
        {"description": "Event 0."},
        {"actor_id": 8},
        {"actor_id": None},
        {"organisation_id": 3},
        {"sequence": 2},
        {"previous_hash": "0" * 64},
    ):
        assert rehash(**changes) != original, changes
    assert audit_chain.event_hash(event, domain="agreement", parent_id=5, secret=KEY) != original
    assert audit_chain.event_hash(event, domain="proposal", parent_id=6, secret=KEY) != original
    assert audit_chain.event_hash(event, domain="proposal", parent_id=5, secret=b"x") != original


def test_an_empty_timeline_is_intact_with_an_empty_head():
    assert check([], "") == audit_chain.ChainReport(True)
    assert not check([], "", count=1).intact


def test_an_edited_event_is_detected_where_it_was_edited():
    events, head = made()
    events[1].description = "Something else"

    report = check(events, head)

    assert (report.intact, report.at) == (False, 2)
    assert report.problem == "Event 2 has been changed since it was recorded."


def test_an_edit_rehashed_without_the_key_is_detected():
    events, head = made()
    events[2].description = "Something else"
    events[2].hash = audit_chain.event_hash(
        events[2], domain="proposal", parent_id=5, secret=b"a guessed key"
    )

    assert (check(events, head).intact, check(events, head).at) == (False, 3)


def test_a_deleted_event_in_the_middle_is_detected():
    events, head = made(4)
    del events[1]

    report = check(events, head, count=4)

    assert (report.intact, report.at) == (False, 2)
    assert report.problem == "Event 2 is missing from the record."


def test_a_middle_deletion_with_the_rest_renumbered_is_detected():
    events, head = made(4)
    del events[1]
    for n, event in enumerate(events, start=1):
        event.sequence = n

    report = check(events, head, count=4)

    assert (report.intact, report.at) == (False, 2)
    assert report.problem == "Event 2 does not follow the event recorded before it."


def test_a_deleted_last_event_is_detected():
    events, head = made()

    report = check(events[:-1], head, count=3)

    assert (report.intact, report.at) == (False, 3)
    assert report.problem == "3 events were recorded but only 2 remain."


def test_a_deleted_last_event_with_the_head_moved_back_is_detected():
    """The head is sealed with the key: pointing it at the previous event's hash and lowering
    the count, as a database writer could, does not make the shorter chain pass."""
    events, _ = made()

    report = check(events[:-1], events[1].hash, count=2)

    assert (report.intact, report.at) == (False, 2)
    assert report.problem == "The record's last event does not match the one stored with it."


# --- The writer -------------------------------------------------------------------------------
def test_the_writer_keeps_a_valid_chain_on_the_proposal(complete_proposal, member_a, org_a):
    p = complete_proposal
    proposal_event(p, by=member_a, kind="note", description="A note", organisation=org_a)
    p = fresh(p)
    events = list(p.events.order_by("sequence"))

    assert [e.sequence for e in events] == list(range(1, len(events) + 1))
    assert p.events_count == len(events) > 2
    assert events[-1].kind == "note"
    assert proposal_chain(p).intact


def test_a_stale_copy_saved_after_a_new_event_keeps_the_new_head(proposal, member_a):
    stale = Proposal.objects.get(pk=proposal.pk)
    proposal_event(proposal, by=member_a, kind="note", description="A note")
    stale.title = "Renamed"
    stale.save()

    p = fresh(proposal)
    assert p.title == "Renamed"
    assert p.events_count == proposal.events_count
    assert proposal_chain(p).intact


# --- Tampering, found by the command and on the page ------------------------------------------
def audit_verify(*references) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("audit_verify", *references, stdout=out, stderr=StringIO())
    except SystemExit as exit:
        return exit.code, out.getvalue()
    return 0, out.getvalue()


def tamper(proposal, how: str) -> int:
    """Change the stored timeline as someone with only database access could; returns the
    sequence number where the chain must break."""
    events = ProposalEvent.objects.filter(proposal=proposal)
    count = events.count()
    if how == "edited":
        events.filter(sequence=2).update(description="Nothing to see here")
        return 2
    if how == "middle deleted":
        events.filter(sequence=2).delete()
        return 2
    events.filter(sequence=count).delete()
    return count


TAMPERING = ["edited", "middle deleted", "last deleted"]


def test_audit_verify_reports_intact_chains(complete_proposal):
    code, out = audit_verify()

    assert code == 0
    assert f"proposal {complete_proposal.reference}: intact" in out
    assert "0 broken" in out


@pytest.mark.parametrize("how", TAMPERING)
def test_audit_verify_finds_tampering(complete_proposal, how):
    at = tamper(complete_proposal, how)

    code, out = audit_verify()

    assert code == 1
    assert f"proposal {complete_proposal.reference}: BROKEN at event {at}:" in out


def test_audit_verify_checks_one_reference(complete_proposal, proposal_b):
    tamper(proposal_b, "edited")

    assert audit_verify(complete_proposal.reference)[0] == 0
    assert audit_verify(proposal_b.reference)[0] == 1


@pytest.fixture
def proposal_b(org_b):
    author = member_of(org_b, Role.MEMBER, email="author.b@bpnt.example")
    p = services.proposal_create(lead_organisation=org_b, title="Second", by=author)
    proposal_event(p, by=author, kind="note", description="A note")
    return fresh(p)


def test_the_proposal_page_says_the_record_is_intact(complete_proposal, org_b, client_for):
    partner = member_of(org_b, Role.MEMBER, email="partner.b@bpnt.example")
    page = client_for(partner).get(url("detail", complete_proposal)).content.decode()

    assert 'data-audit-chain="intact"' in page
    assert "The record of events is intact" in page


@pytest.mark.parametrize("how", TAMPERING)
def test_the_proposal_page_warns_where_the_record_breaks(
    complete_proposal, member_a, client_for, how
):
    at = tamper(complete_proposal, how)

    page = client_for(member_a).get(url("detail", complete_proposal)).content.decode()

    assert 'data-audit-chain="broken"' in page
    assert "govuk-warning-text" in page
    report = proposal_chain(fresh(complete_proposal))
    assert report.at == at
    assert str(report.problem).replace("'", "&#x27;") in page


# --- The migration's back-fill ----------------------------------------------------------------
def test_the_migration_chains_existing_events_in_the_order_they_happened(proposal, member_a):
    """Rows as they were before the migration: no chain, no head, and ids out of time order."""
    ProposalEvent.objects.filter(proposal=proposal).delete()
    ProposalEvent.objects.bulk_create(
        ProposalEvent(
            proposal=proposal,
            actor=member_a,
            kind=kind,
            description=kind,
            created_at=T0 + timedelta(minutes=minutes),
            sequence=1000 + n,
            hash="",
        )
        for n, (kind, minutes) in enumerate([("third", 3), ("first", 1), ("second", 2)])
    )
    Proposal.objects.filter(pk=proposal.pk).update(events_count=0, events_head="")
    assert not proposal_chain(fresh(proposal)).intact

    migration = importlib.import_module("sharing_requests.migrations.0005_proposal_event_chain")
    migration.chain_existing(apps, None)

    p = fresh(proposal)
    assert list(p.events.order_by("sequence").values_list("kind", flat=True)) == [
        "first",
        "second",
        "third",
    ]
    assert p.events_count == 3
    assert proposal_chain(p).intact


# --- The benchmark's seeder -------------------------------------------------------------------
def test_the_benchmark_seeder_makes_valid_chains(db):
    """The seeder computes the chains in Python and bulk-inserts them: they verify alike."""
    from benchmarks import seed

    made = seed.seed(organisations=12, users=80, proposals=6, agreements=2)

    code, out = audit_verify()
    assert made["proposals"] == 6
    assert Proposal.objects.filter(events_count=2).count() == 6
    assert (code, out.count(": intact")) == (0, 6 + made["agreements"])
