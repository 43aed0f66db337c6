"""Issue #12 item 1: each timeline line names its actor with the organisation they acted
for, never the organisation the line is about."""

from organisations.models import Membership
from sharing_requests import services
from sharing_requests.events import proposal_chain
from sharing_requests.models import Participant, ProposalEvent
from sharing_requests.rounds import rounds

from .conftest import invite, url


def test_every_timeline_line_names_an_organisation_its_actor_belongs_to(
    complete_proposal, member_a, partner_b, approver_a, approver_b, org_c, client_for
):
    p = complete_proposal
    invite(p, org_c, by=member_a)
    services.participant_remove(
        proposal=p, instance=Participant.objects.get(proposal=p, organisation=org_c), by=member_a
    )
    services.comment_add(
        proposal=p,
        organisation=p.participants.exclude(is_lead=True).get().organisation,
        text="Fine",
        by=partner_b,
    )
    version = services.proposal_submit(proposal=p, by=member_a)
    review = rounds.round_open(version_id=version.pk)
    deciders = {p.lead_organisation_id: approver_a}
    for decision in review.decisions.all():
        rounds.decision_record(
            decision=decision,
            by=deciders.get(decision.organisation_id, approver_b),
            status="approved",
            comment="",
        )

    lines = ProposalEvent.objects.filter(
        proposal=p, actor__isnull=False, organisation__isnull=False
    )
    assert {e.kind for e in lines} >= {"partner_invited", "partner_removed", "comment", "decision"}
    for event in lines:
        assert Membership.objects.filter(
            user=event.actor_id, organisation=event.organisation_id
        ).exists(), (event.kind, event.description, event.organisation)
    p.refresh_from_db()
    assert proposal_chain(p).intact

    timeline = client_for(member_a).get(url("detail", p)).content.decode()
    timeline = timeline.split('id="timeline"', 1)[1]
    assert "by Mia Member, Ardwick" in timeline
    assert "by Mia Member, CH" not in timeline
    assert "by Mia Member, BPNT" not in timeline
