"""The agreement's timeline is hash-chained (isf_portal/audit_chain.py): its parties'
governance officers see on the agreement and lifecycle pages whether the record is intact,
and `audit_verify` checks it; an edited, a middle-deleted and a last-deleted event are each
found. The chain itself: tests/test_audit_chain.py."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from agreements.events import agreement_chain, timeline_add
from agreements.models import Agreement, AgreementEvent

PAGES = ["detail", "lifecycle"]


def page_of(client, name, agreement) -> str:
    return client.get(reverse(f"agreements:{name}", args=[agreement.reference])).content.decode()


@pytest.fixture
def chained(agreement, governance_a):
    """The generated agreement (generated, ready) with a third event on its timeline."""
    timeline_add(agreement, kind="note", description="A note", by=governance_a)
    return Agreement.objects.get(pk=agreement.pk)


def tamper(agreement, how: str) -> int:
    events = AgreementEvent.objects.filter(agreement=agreement)
    if how == "edited":
        events.filter(sequence=2).update(description="Nothing to see here")
        return 2
    if how == "middle deleted":
        events.filter(sequence=2).delete()
        return 2
    events.filter(sequence=3).delete()
    return 3


TAMPERING = ["edited", "middle deleted", "last deleted"]


def test_the_writer_chains_every_event(chained):
    events = list(chained.events.order_by("sequence"))

    assert [(e.sequence, e.kind) for e in events] == [(1, "generated"), (2, "ready"), (3, "note")]
    assert chained.events_count == 3
    assert agreement_chain(chained).intact


@pytest.mark.parametrize("name", PAGES)
def test_a_governance_officer_sees_the_record_is_intact(chained, governance_a, client_for, name):
    page = page_of(client_for(governance_a), name, chained)

    assert 'data-audit-chain="intact"' in page
    assert "The record of events is intact" in page


@pytest.mark.parametrize("name", PAGES)
def test_a_plain_member_is_not_shown_the_chain(chained, member_a, client_for, name):
    page = page_of(client_for(member_a), name, chained)

    assert "A note" in page  # the timeline itself is there
    assert "data-audit-chain" not in page


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("how", TAMPERING)
def test_a_governance_officer_is_warned_where_the_record_breaks(
    chained, governance_a, client_for, how, name
):
    at = tamper(chained, how)

    page = page_of(client_for(governance_a), name, chained)

    report = agreement_chain(Agreement.objects.get(pk=chained.pk))
    assert (report.intact, report.at) == (False, at)
    assert 'data-audit-chain="broken"' in page
    assert "govuk-warning-text" in page
    assert "The record of events has been altered outside the portal" in page
    assert str(report.problem).replace("'", "&#x27;") in page


@pytest.mark.parametrize("how", TAMPERING)
def test_audit_verify_finds_tampering_with_an_agreement(chained, how):
    out = StringIO()
    assert_broken_at = tamper(chained, how)

    with pytest.raises(SystemExit) as exit:
        call_command("audit_verify", stdout=out, stderr=StringIO())

    assert exit.value.code == 1
    assert f"agreement {chained.reference}: BROKEN at event {assert_broken_at}:" in out.getvalue()


def test_audit_verify_checks_one_agreement(chained):
    out = StringIO()
    call_command("audit_verify", chained.reference, stdout=out)

    assert out.getvalue().splitlines()[0] == f"agreement {chained.reference}: intact"
    assert "1 timelines checked, 0 broken." in out.getvalue()
