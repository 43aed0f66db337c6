"""Every write of a proposal, through the services: state after the fact, audit and timeline."""

import pytest
from django.core import mail
from django.utils import timezone

from isf_portal.domain import DomainError
from sharing_requests import services
from sharing_requests.choices import ProposalStatus, Section, SectionStatus
from sharing_requests.models import (
    DataItem,
    Endorsement,
    LawfulBasis,
    MeasurableOutcome,
    Participant,
    Proposal,
    ProposalEvent,
    ProposalVersion,
    SectionState,
    VisionComment,
)

from .conftest import PARTNER_CONTACT, PARTNER_IG, VISION_PARTS, fresh, invite, url

pytestmark = pytest.mark.django_db


def year() -> int:
    return timezone.localdate().year


def events(proposal, kind) -> list[ProposalEvent]:
    return list(ProposalEvent.objects.filter(proposal=proposal, kind=kind))


def reasons(model, **filters) -> list[str]:
    return list(
        model.history.filter(**filters)
        .order_by("history_id")
        .values_list("history_change_reason", flat=True)
    )


# --- Create ---------------------------------------------------------------------------------
def test_create_gives_sequential_references_lead_participant_and_permissions(
    org_a, member_a, readonly_a, outsider
):
    first = services.proposal_create(lead_organisation=org_a, title="  First  ", by=member_a)
    second = services.proposal_create(lead_organisation=org_a, title="Second", by=member_a)

    assert first.reference == f"ISF-{year()}-0001"
    assert second.reference == f"ISF-{year()}-0002"
    first = fresh(first)
    assert first.title == "First"
    assert first.status == ProposalStatus.DRAFT
    lead = Participant.objects.get(proposal=first)
    assert lead.is_lead and lead.organisation == org_a
    assert lead.contact_email == member_a.email
    assert SectionState.objects.filter(proposal=first).count() == len(Section)
    assert reasons(Proposal, id=first.pk) == ["isf.proposal.created"]
    assert [e.actor for e in events(first, "created")] == [member_a]
    # Everyone at the lead organisation sees it; its members change it; nobody else sees it.
    assert member_a.has_perm("requests.change_proposal", first)
    assert readonly_a.has_perm("requests.view_proposal", first)
    assert not readonly_a.has_perm("requests.change_proposal", first)
    assert not outsider.has_perm("requests.view_proposal", first)


def test_references_are_never_reused_after_withdrawal_or_deletion(org_a, member_a):
    first = services.proposal_create(lead_organisation=org_a, title="One", by=member_a)
    services.proposal_withdraw(proposal=first, by=member_a, reason="Duplicate")
    second = services.proposal_create(lead_organisation=org_a, title="Two", by=member_a)
    Proposal.objects.filter(pk=second.pk).delete()
    third = services.proposal_create(lead_organisation=org_a, title="Three", by=member_a)

    assert fresh(first).status == ProposalStatus.WITHDRAWN
    assert second.reference == f"ISF-{year()}-0002"
    assert third.reference == f"ISF-{year()}-0003"


def test_only_members_of_the_lead_organisation_can_start_a_proposal(org_a, readonly_a, outsider):
    for person in (readonly_a, outsider):
        with pytest.raises(DomainError):
            services.proposal_create(lead_organisation=org_a, title="Nope", by=person)
    assert not Proposal.objects.exists()


# --- Sections -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "section, data",
    [
        (Section.PURPOSE, {"title": "New title", "problem": "P", "benefits": "B"}),
        (Section.NEEDS, {"data_subjects": "Adults at home"}),
        (Section.PRACTICAL, {"confidentiality_basis": "implied_consent"}),
        (
            Section.HOW,
            {
                "transfer_method": "SFTP",
                "frequency": "daily",
                "security_measures": "TLS",
                "access_controls": "Team",
                "storage_location": "UK",
            },
        ),
        (Section.REVIEW, {"review_frequency": "6", "success_measures": "Counts"}),
        (Section.EXIT, {"retention": "1 year", "end_of_sharing": "delete"}),
    ],
)
def test_saving_a_section_stores_answers_bumps_revision_and_audits(
    proposal, member_a, section, data
):
    before = services.section_revision(proposal, section)

    services.proposal_update(
        proposal=proposal, section=section, data=data, by=member_a, revision=before
    )

    proposal.refresh_from_db()
    for field, value in data.items():
        assert getattr(proposal, field) == value
    state = SectionState.objects.get(proposal=proposal, section=section)
    assert state.revision == before + 1
    assert state.status == SectionStatus.IN_PROGRESS
    assert state.updated_by == member_a
    assert f"isf.proposal.{section}_saved" in reasons(Proposal, id=proposal.pk)


def test_vision_saves_keep_every_version_in_history(proposal, member_a):
    services.vision_update(proposal=proposal, parts=VISION_PARTS, by=member_a, revision=None)
    services.vision_update(
        proposal=proposal,
        parts={**VISION_PARTS, "outcome": "halve falls"},
        by=member_a,
        revision=None,
    )

    vision = fresh(proposal).vision
    assert vision.outcome == "halve falls"
    saved = vision.history.filter(history_change_reason="isf.vision.saved")
    assert saved.count() == 2
    assert {h.history_user for h in saved} == {member_a}
    assert [h.outcome for h in saved.order_by("history_id")] == ["prevent falls", "halve falls"]
    assert len(events(proposal, "vision")) == 2


def test_saving_an_unchanged_vision_adds_no_version(proposal, member_a):
    services.vision_update(proposal=proposal, parts=VISION_PARTS, by=member_a, revision=None)
    services.vision_update(proposal=proposal, parts=VISION_PARTS, by=member_a, revision=None)

    assert proposal.vision.history.filter(history_change_reason="isf.vision.saved").count() == 1


def test_items_are_added_changed_and_removed(proposal, member_a):
    item = services.item_save(
        proposal=proposal,
        section=Section.NEEDS,
        instance=DataItem(),
        data={
            "name": "Date of birth",
            "category": "personal",
            "identifiability": "identifiable",
            "is_health_or_care": False,
            "necessity": "To match records.",
        },
        by=member_a,
        kind="dataitem",
    )
    services.item_save(
        proposal=proposal,
        section=Section.NEEDS,
        instance=DataItem.objects.get(pk=item.pk),
        data={"name": "Year of birth"},
        by=member_a,
        kind="dataitem",
        revision=services.section_revision(proposal, Section.NEEDS),
    )
    assert DataItem.objects.get(pk=item.pk).name == "Year of birth"

    services.item_remove(
        proposal=proposal,
        section=Section.NEEDS,
        instance=DataItem.objects.get(pk=item.pk),
        by=member_a,
        kind="dataitem",
    )

    assert not DataItem.objects.filter(pk=item.pk).exists()
    assert reasons(DataItem, id=item.pk) == [
        "isf.dataitem.added",
        "isf.dataitem.changed",
        "isf.dataitem.removed",
    ]


def test_an_item_of_another_proposal_cannot_be_changed_or_removed(proposal, member_a, org_a):
    other = services.proposal_create(lead_organisation=org_a, title="Other", by=member_a)
    item = services.item_save(
        proposal=other,
        section=Section.PURPOSE,
        instance=MeasurableOutcome(),
        data={"description": "D", "measure": "M"},
        by=member_a,
        kind="outcome",
    )
    with pytest.raises(DomainError):
        services.item_save(
            proposal=proposal,
            section=Section.PURPOSE,
            instance=item,
            data={"description": "Hijacked"},
            by=member_a,
            kind="outcome",
        )
    with pytest.raises(DomainError):
        services.item_remove(
            proposal=proposal, section=Section.PURPOSE, instance=item, by=member_a, kind="outcome"
        )
    assert MeasurableOutcome.objects.get(pk=item.pk).description == "D"
    assert MeasurableOutcome.objects.get(pk=item.pk).proposal == other


# --- Partners -------------------------------------------------------------------------------
def test_inviting_a_partner_emails_its_contact_copying_the_ig_mailbox_and_grants_access(
    org_a, org_b, member_a, partner_b, django_capture_on_commit_callbacks
):
    org_b.ig_mailbox = PARTNER_IG
    org_b.save()
    p = services.proposal_create(lead_organisation=org_a, title="Falls", by=member_a)
    assert not partner_b.has_perm("requests.view_proposal", p)

    with django_capture_on_commit_callbacks(execute=True):
        invite(p, org_b, by=member_a)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [PARTNER_CONTACT]
    assert message.cc == [PARTNER_IG]
    assert "Falls" in message.subject
    assert url("detail", p) in message.body
    assert partner_b.has_perm("requests.view_proposal", p)
    assert partner_b.has_perm("requests.comment_proposal", p)
    assert not partner_b.has_perm("requests.change_proposal", p)
    assert [e.organisation for e in events(p, "partner_invited")] == [
        p.lead_organisation
    ]  # who invited (#12 item 1)
    assert "isf.participant.invited" in reasons(Participant, proposal_id=p.pk)


def test_inviting_the_same_organisation_twice_is_refused(proposal, org_b, member_a):
    with pytest.raises(DomainError, match="already taking part"):
        invite(proposal, org_b, by=member_a, email="someone.else@bpnt.example")
    assert proposal.participants.filter(organisation=org_b).count() == 1


def test_removing_a_partner_takes_away_its_peoples_access(
    proposal, org_b, member_a, partner_b, client_for
):
    assert client_for(partner_b).get(url("detail", proposal)).status_code == 200
    party = proposal.participants.get(organisation=org_b)

    services.participant_remove(proposal=proposal, instance=party, by=member_a)

    assert not proposal.participants.filter(organisation=org_b).exists()
    assert client_for(partner_b).get(url("detail", proposal)).status_code == 404
    assert client_for(partner_b).get(url("vision", proposal)).status_code == 404
    assert [e.organisation for e in events(proposal, "partner_removed")] == [
        proposal.lead_organisation
    ]  # who removed it


def test_the_lead_organisation_cannot_be_removed(proposal, member_a):
    lead = proposal.participants.get(is_lead=True)
    with pytest.raises(DomainError):
        services.participant_remove(proposal=proposal, instance=lead, by=member_a)
    assert Participant.objects.filter(pk=lead.pk).exists()


# --- Lawful basis rules ----------------------------------------------------------------------
def _special_item(proposal, by, category="special"):
    services.item_save(
        proposal=proposal,
        section=Section.NEEDS,
        instance=DataItem(),
        data={
            "name": "Item",
            "category": category,
            "identifiability": "identifiable",
            "is_health_or_care": False,
            "necessity": "Needed.",
        },
        by=by,
        kind="dataitem",
    )


def _basis_problems(proposal, org):
    from sharing_requests.completeness import section_problems

    return [
        p.message
        for p in section_problems(fresh(proposal), Section.PRACTICAL)
        if org.name in p.message
    ]


def _save_basis(proposal, org, direction, by, **data):
    party = proposal.participants.get(organisation=org)
    instance = LawfulBasis.objects.filter(participant=party, direction=direction).first()
    return services.lawful_basis_save(
        proposal=proposal,
        instance=instance or LawfulBasis(participant=party, direction=direction),
        data=data,
        by=by,
        revision=services.section_revision(proposal, Section.PRACTICAL),
    )


@pytest.mark.parametrize(
    "category, data, expected",
    [
        ("personal", {"article6": "e"}, "legal power"),
        ("personal", {"article6": "c"}, "legal power"),
        ("personal", {"article6": "e", "legal_power": "Care Act"}, None),
        ("personal", {"article6": "ea"}, "Annex 1"),
        ("personal", {"article6": "ea", "annex1_condition": "crime"}, None),
        ("special", {"article6": "e", "legal_power": "X"}, "Article 9 condition"),
        ("special", {"article6": "e", "legal_power": "X", "article9": "h"}, "Schedule 1 Part 1"),
        (
            "special",
            {"article6": "e", "legal_power": "X", "article9": "h", "schedule1": "18"},
            "Schedule 1 Part 1",
        ),
        ("special", {"article6": "e", "legal_power": "X", "article9": "h", "schedule1": "2"}, None),
        (
            "special",
            {"article6": "e", "legal_power": "X", "article9": "g", "schedule1": "2"},
            "Schedule 1 Part 2",
        ),
        (
            "special",
            {"article6": "e", "legal_power": "X", "article9": "g", "schedule1": "18"},
            None,
        ),
        ("special", {"article6": "a", "article9": "a"}, None),
        ("criminal", {"article6": "e", "legal_power": "X"}, "criminal offence"),
        ("criminal", {"article6": "e", "legal_power": "X", "criminal_schedule1": "36"}, None),
        ("criminal", {"article6": "e", "legal_power": "X", "law_enforcement": True}, None),
    ],
)
def test_lawful_basis_rules(proposal, org_b, member_a, category, data, expected):
    _special_item(proposal, member_a, category)
    _save_basis(proposal, org_b, "receiving", member_a, **data)

    problems = _basis_problems(proposal, org_b)

    if expected is None:
        assert problems == []
    else:
        assert len(problems) == 1 and expected in problems[0], problems


def test_a_provider_without_a_lawful_basis_is_a_problem(proposal, org_a, member_a):
    lead = proposal.participants.get(is_lead=True)
    services.participant_save(
        proposal=proposal,
        instance=lead,
        data={"role": "provider", "controller_role": "controller"},
        by=member_a,
    )
    problems = _basis_problems(proposal, org_a)
    assert problems == [f"Give the lawful basis of {org_a.name} for disclosing (as a provider)"]


# --- Completing sections -------------------------------------------------------------------
def test_a_section_with_problems_cannot_be_marked_complete(proposal, member_a):
    with pytest.raises(services.SubmitBlocked) as blocked:
        services.section_mark(proposal=proposal, section=Section.NEEDS, completed=True, by=member_a)
    assert {p.message for p in blocked.value.problems} == {
        "Say whose data will be shared",
        "Add at least one data item",
    }
    state = SectionState.objects.get(proposal=proposal, section=Section.NEEDS)
    assert state.status == SectionStatus.NOT_STARTED


def test_a_complete_section_is_marked_complete_and_reopens_when_it_breaks(
    complete_proposal, member_a
):
    p = complete_proposal
    services.section_mark(proposal=p, section=Section.NEEDS, completed=True, by=member_a)
    state = SectionState.objects.get(proposal=p, section=Section.NEEDS)
    assert state.status == SectionStatus.COMPLETED
    assert [e.description for e in events(p, "section_completed")] == ["Needs section completed"]

    services.item_remove(
        proposal=p,
        section=Section.NEEDS,
        instance=p.data_items.get(),
        by=member_a,
        kind="dataitem",
    )
    state.refresh_from_db()
    assert state.status == SectionStatus.IN_PROGRESS


# --- Comments and endorsements --------------------------------------------------------------
def test_partner_comments_are_recorded_on_the_timeline(proposal, org_b, partner_b):
    comment = services.comment_add(
        proposal=proposal, organisation=org_b, text="Looks good", by=partner_b
    )
    assert VisionComment.objects.get(pk=comment.pk).author == partner_b
    assert [e.actor for e in events(proposal, "comment")] == [partner_b]
    assert reasons(VisionComment, id=comment.pk) == ["isf.vision.commented"]


def test_people_outside_the_parties_cannot_comment(proposal, org_b, org_c, outsider):
    for organisation in (org_b, org_c):
        with pytest.raises(DomainError):
            services.comment_add(
                proposal=proposal, organisation=organisation, text="Hi", by=outsider
            )
    assert not VisionComment.objects.exists()


def test_the_lead_organisation_cannot_endorse_its_own_vision(proposal, org_a, member_a):
    services.vision_update(proposal=proposal, parts=VISION_PARTS, by=member_a, revision=None)
    with pytest.raises(DomainError):
        services.endorse(proposal=proposal, organisation=org_a, by=member_a)
    assert not Endorsement.objects.exists()


def test_a_partner_endorses_the_statement_as_it_stands(proposal, org_b, member_a, partner_b):
    services.vision_update(proposal=proposal, parts=VISION_PARTS, by=member_a, revision=None)

    endorsement = services.endorse(proposal=proposal, organisation=org_b, by=partner_b)

    saved = Endorsement.objects.get(pk=endorsement.pk)
    assert saved.user == partner_b and saved.organisation == org_b
    assert saved.statement == fresh(proposal).vision.text
    assert [e.organisation for e in events(proposal, "endorsement")] == [org_b]


def test_an_unfinished_vision_cannot_be_endorsed(proposal, org_b, partner_b):
    with pytest.raises(DomainError, match="not finished"):
        services.endorse(proposal=proposal, organisation=org_b, by=partner_b)


def test_endorsing_the_same_text_twice_is_refused_but_a_changed_text_can_be(
    proposal, org_b, member_a, partner_b
):
    services.vision_update(proposal=proposal, parts=VISION_PARTS, by=member_a, revision=None)
    services.endorse(proposal=proposal, organisation=org_b, by=partner_b)
    with pytest.raises(DomainError, match="already endorsed"):
        services.endorse(proposal=proposal, organisation=org_b, by=partner_b)
    assert Endorsement.objects.count() == 1

    services.vision_update(
        proposal=proposal,
        parts={**VISION_PARTS, "benefit": "help sooner"},
        by=member_a,
        revision=None,
    )
    services.endorse(proposal=proposal, organisation=org_b, by=partner_b)
    assert list(Endorsement.objects.values_list("statement", flat=True)) == [
        fresh(proposal).vision.text
    ]


def test_endorsing_after_submission_is_refused(complete_proposal, org_b, member_a, partner_b):
    services.proposal_submit(proposal=complete_proposal, by=member_a)
    with pytest.raises(DomainError):
        services.endorse(proposal=complete_proposal, organisation=org_b, by=partner_b)
    assert not Endorsement.objects.exists()


# --- Submit and withdraw --------------------------------------------------------------------
def test_submit_is_blocked_with_the_list_of_problems(proposal, member_a):
    with pytest.raises(services.SubmitBlocked) as blocked:
        services.proposal_submit(proposal=proposal, by=member_a)

    messages = [p.message for p in blocked.value.problems]
    assert "Describe the problem the sharing solves" in messages
    assert "Add at least one data item" in messages
    assert "Answer the DPIA screening questions" in messages
    assert all(
        p.url.startswith(f"/proposals/{proposal.reference}/") for p in blocked.value.problems
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT
    assert not ProposalVersion.objects.exists()


def test_submit_freezes_version_one_and_puts_the_proposal_in_review(
    complete_proposal, member_a, steering_member, org_a, org_b, client_for
):
    p = complete_proposal
    assert client_for(steering_member).get(url("detail", p)).status_code == 404
    version = services.proposal_submit(proposal=p, by=member_a)

    p.refresh_from_db()
    assert p.status == ProposalStatus.IN_REVIEW
    assert p.submitted_by == member_a and p.submitted_at is not None
    version = ProposalVersion.objects.get(pk=version.pk)
    assert version.number == 1 and version.created_by == member_a
    snap = version.snapshot
    assert snap["vision"]["text"] == p.vision.text
    assert "the falls prevention scheme will prevent falls" in snap["vision"]["text"]
    assert [party["name"] for party in snap["participants"]] == [org_a.name, org_b.name]
    assert snap["participants"][0]["is_lead"] is True
    assert snap["data_items"][0]["name"] == "Name and address"
    assert p.history.filter(history_change_reason="isf.proposal.submitted").count() == 1
    assert [e.description for e in events(p, "submitted")] == ["Submitted for review (version 1)"]
    assert client_for(steering_member).get(url("detail", p)).status_code == 200


def test_a_submitted_proposal_can_no_longer_be_changed(complete_proposal, member_a, org_c):
    p = complete_proposal
    services.proposal_submit(proposal=p, by=member_a)
    writes = [
        lambda: services.proposal_update(
            proposal=p,
            section=Section.PURPOSE,
            data={"title": "Changed"},
            by=member_a,
            revision=None,
        ),
        lambda: services.vision_update(
            proposal=p, parts={"outcome": "changed"}, by=member_a, revision=None
        ),
        lambda: services.item_save(
            proposal=p,
            section=Section.PURPOSE,
            instance=MeasurableOutcome(),
            data={"description": "D", "measure": "M"},
            by=member_a,
            kind="outcome",
        ),
        lambda: services.item_remove(
            proposal=p,
            section=Section.NEEDS,
            instance=p.data_items.get(),
            by=member_a,
            kind="dataitem",
        ),
        lambda: invite(p, org_c, by=member_a),
        lambda: services.section_mark(proposal=p, section=Section.HOW, completed=True, by=member_a),
        lambda: services.proposal_submit(proposal=p, by=member_a),
    ]
    for write in writes:
        with pytest.raises(DomainError):
            write()
    p.refresh_from_db()
    assert p.title == "Falls prevention referrals"
    assert p.vision.outcome == "prevent falls"
    assert p.outcomes.count() == 1 and p.data_items.count() == 1
    assert not p.participants.filter(organisation=org_c).exists()
    assert p.versions.count() == 1


def test_only_lead_members_can_change_the_proposal(proposal, readonly_a, partner_b):
    for person in (readonly_a, partner_b):
        with pytest.raises(DomainError):
            services.proposal_update(
                proposal=proposal,
                section=Section.PURPOSE,
                data={"title": "X"},
                by=person,
                revision=None,
            )
    assert fresh(proposal).title == "Falls prevention referrals"


def test_withdrawing_a_draft(proposal, member_a, partner_b):
    with pytest.raises(DomainError):
        services.proposal_withdraw(proposal=proposal, by=partner_b, reason="Not mine")

    services.proposal_withdraw(proposal=proposal, by=member_a, reason="No longer needed")

    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.WITHDRAWN
    assert proposal.history.filter(history_change_reason="isf.proposal.withdrawn").exists()
    assert [e.description for e in events(proposal, "withdrawn")] == ["Withdrawn: No longer needed"]
    with pytest.raises(DomainError):
        services.proposal_withdraw(proposal=proposal, by=member_a, reason="Again")
    with pytest.raises(DomainError):
        services.proposal_update(
            proposal=proposal,
            section=Section.NEEDS,
            data={"data_subjects": "X"},
            by=member_a,
            revision=None,
        )


def test_the_frozen_version_keeps_only_the_bases_a_party_needs_for_its_role(
    complete_proposal, member_a, org_b
):
    """A party that provided and received, then only receives, is frozen with its basis for
    receiving alone: the agreement must not list a basis for disclosing it no longer does."""
    p = complete_proposal
    party = Participant.objects.get(proposal=p, organisation=org_b)
    services.participant_save(proposal=p, instance=party, data={"role": "both"}, by=member_a)
    services.lawful_basis_save(
        proposal=p,
        instance=LawfulBasis(participant=party, direction="disclosing"),
        data={"article6": "e", "legal_power": "Care Act 2014 s.6 (co-operation)"},
        by=member_a,
    )
    services.participant_save(
        proposal=p,
        instance=Participant.objects.get(pk=party.pk),
        data={"role": "recipient"},
        by=member_a,
        revision=services.section_revision(p, Section.WHO),
    )

    version = services.proposal_submit(proposal=p, by=member_a)

    frozen = {party["name"]: party for party in version.snapshot["participants"]}
    assert [b["direction"] for b in frozen[org_b.name]["lawful_bases"]] == [
        "Receiving and using (as a recipient)"
    ]
    assert frozen[org_b.name]["role"] == "Recipient: receives data"


def test_the_timeline_says_who_did_what(complete_proposal, member_a, partner_b, org_b, client_for):
    p = complete_proposal
    services.section_mark(proposal=p, section=Section.NEEDS, completed=True, by=member_a)
    services.comment_add(proposal=p, organisation=org_b, text="Fine", by=partner_b)
    services.endorse(proposal=p, organisation=org_b, by=partner_b)
    services.proposal_submit(proposal=p, by=member_a)

    assert list(ProposalEvent.objects.filter(proposal=p).values_list("kind", flat=True)) == [
        "submitted",
        "endorsement",
        "comment",
        "section_completed",
        "vision",
        "partner_invited",
        "created",
    ]
    html = client_for(partner_b).get(url("detail", p)).content.decode()
    timeline = html.split('id="timeline"', 1)[1]
    for text in (
        "Submitted for review (version 1)",
        f"Vision statement endorsed for {org_b.name}",
        f"Comment on the vision statement from {org_b.name}",
        "Needs section completed",
        f"{org_b.name} invited to take part",
        "Proposal started",
        "by Pat Partner",
        "by Mia Member",
    ):
        assert text in timeline, text
