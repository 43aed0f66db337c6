"""A comment's write: the party check repeated under the proposal's lock, read afresh; the
proposal's chain head and its activity time written together; the lead told."""

import threading
import time

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone

from isf_portal.domain import DomainError
from sharing_requests import services
from sharing_requests.events import proposal_chain, proposal_event, proposal_locked
from sharing_requests.models import Participant, Proposal, ProposalEvent, VisionComment
from tests.factories import member_of

from .conftest import fresh, invite
from .test_concurrency import _at_once

pytestmark = pytest.mark.django_db


def test_a_comment_moves_the_chain_head_and_the_activity_time_together(
    proposal, org_b, partner_b, member_a, django_capture_on_commit_callbacks
):
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        services.comment_add(proposal=proposal, organisation=org_b, text="Looks good", by=partner_b)

    p = fresh(proposal)
    assert p.last_activity_at >= before
    assert p.events_count == ProposalEvent.objects.filter(proposal=p).count()
    assert proposal_chain(p).intact
    assert [m.to for m in mail.outbox] == [[member_a.email]]


def test_two_comments_in_a_row_follow_each_other_on_the_timeline(
    proposal, org_a, org_b, partner_b, member_a
):
    services.comment_add(proposal=proposal, organisation=org_b, text="One", by=partner_b)
    services.comment_add(proposal=proposal, organisation=org_a, text="Two", by=member_a)

    p = fresh(proposal)
    comments = ProposalEvent.objects.filter(proposal=p, kind="comment").order_by("sequence")
    assert [e.organisation for e in comments] == [org_b, org_a]
    assert proposal_chain(p).intact


def test_a_read_only_member_of_a_party_cannot_comment_for_it(proposal, org_b):
    reader = member_of(org_b)  # no roles: read only

    with pytest.raises(DomainError):
        services.comment_add(proposal=proposal, organisation=org_b, text="Hi", by=reader)
    assert not VisionComment.objects.exists()


def test_a_partner_removed_can_no_longer_comment_for_it(proposal, org_b, partner_b, member_a):
    party = Participant.objects.get(proposal=proposal, organisation=org_b)
    services.participant_remove(proposal=proposal, instance=party, by=member_a)

    with pytest.raises(DomainError):
        services.comment_add(proposal=proposal, organisation=org_b, text="Hi", by=partner_b)
    assert not VisionComment.objects.exists()


# --- Real concurrency (PostgreSQL row locks) -------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_simultaneous_comments_both_land_on_one_intact_timeline(
    postgres, org_a, org_b, member_a, partner_b
):
    p = services.proposal_create(lead_organisation=org_a, title="Race", by=member_a)
    invite(p, org_b, by=member_a)

    results = _at_once(
        lambda: services.comment_add(proposal=p, organisation=org_b, text="B", by=partner_b),
        lambda: services.comment_add(proposal=p, organisation=org_a, text="A", by=member_a),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    p = fresh(p)
    assert sorted(c.text for c in VisionComment.objects.filter(proposal=p)) == ["A", "B"]
    assert ProposalEvent.objects.filter(proposal=p, kind="comment").count() == 2
    assert proposal_chain(p).intact


@pytest.mark.django_db(transaction=True)
def test_a_comment_racing_the_partners_removal_is_refused_or_made_before_it(
    postgres, org_a, org_b, member_a, partner_b
):
    p = services.proposal_create(lead_organisation=org_a, title="Race", by=member_a)
    invite(p, org_b, by=member_a)
    party = Participant.objects.get(proposal=p, organisation=org_b)

    comment, removal = _at_once(
        lambda: services.comment_add(proposal=p, organisation=org_b, text="B", by=partner_b),
        lambda: services.participant_remove(proposal=p, instance=party, by=member_a),
    )

    assert not isinstance(removal, Exception), removal
    p = fresh(p)
    kinds = list(
        ProposalEvent.objects.filter(proposal=p, kind__in=["comment", "partner_removed"])
        .order_by("sequence")
        .values_list("kind", flat=True)
    )
    if isinstance(comment, DomainError):
        assert kinds == ["partner_removed"] and not VisionComment.objects.exists()
    else:
        assert not isinstance(comment, Exception), comment
        assert kinds == ["comment", "partner_removed"]
    assert proposal_chain(p).intact


@pytest.mark.django_db(transaction=True)
def test_a_comment_that_waited_for_the_lock_chains_to_the_event_added_meanwhile(
    postgres, org_a, org_b, member_a, partner_b
):
    """The locking read of a comment that waits for another writer finds that writer's new
    count, but its subquery of the last event's hash reads the snapshot from before the wait:
    the hash is then read again, so the comment follows the event added while it waited."""
    p = services.proposal_create(lead_organisation=org_a, title="Race", by=member_a)
    invite(p, org_b, by=member_a)
    locked, result = threading.Event(), []

    def comment():
        locked.wait(timeout=10)
        try:
            result.append(
                services.comment_add(proposal=p, organisation=org_a, text="A", by=member_a)
            )
        except Exception as error:  # the test inspects it
            result.append(error)
        finally:
            connection.close()

    waiter = threading.Thread(target=comment)
    waiter.start()
    with transaction.atomic():
        held = proposal_locked(p.pk, for_event=True)
        proposal_event(held, by=member_a, kind="note", description="Meanwhile", locked=True)
        locked.set()
        time.sleep(0.5)  # the comment's statement is now waiting for this row lock
        waiting = Proposal.objects.filter(pk=p.pk).values_list("events_count", flat=True)
        assert waiting.get() == held.events_count  # not yet taken by the comment
    waiter.join(timeout=30)

    assert not isinstance(result[0], Exception), result
    p = fresh(p)
    kinds = list(p.events.order_by("sequence").values_list("kind", flat=True))
    assert kinds[-2:] == ["note", "comment"]
    assert proposal_chain(p).intact
