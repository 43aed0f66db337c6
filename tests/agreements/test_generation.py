"""Generating the agreement from an approved version: once, with the parties as they were,
the clause versions used, the permissions, the draft PDF and the signatories told."""

import hashlib
import re

import pytest
from guardian.shortcuts import get_perms

from agreements.generation import services as generation
from agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementParty,
    AgreementStatus,
    ClauseTemplate,
)
from notifications.models import Notification, NotificationKind
from outbox.models import OutboxTask
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import Proposal

from .proposal_builders import approve, build_proposal

pytestmark = pytest.mark.django_db

SECTION_KEYS = [
    "parties",
    "purpose",
    "data",
    "lawful-basis",
    "dpia",
    "transparency",
    "data-quality",
    "security",
    "retention",
    "individuals-rights",
    "breaches",
    "complaints",
    "review",
    "termination",
    "non-compliance",
    "signatories",
]


def test_approval_queues_generation_in_the_outbox_and_the_worker_generates(
    org_a,
    org_b,
    member_a,
    approver_a,
    approver_b,
    signatory_a,
    signatory_b,
    django_capture_on_commit_callbacks,
):
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a)
    with django_capture_on_commit_callbacks(execute=True):
        version = approve(
            proposal, author=member_a, approvers={org_a.pk: approver_a, org_b.pk: approver_b}
        )

    task = OutboxTask.objects.get(task_name="agreements.generate")
    assert task.kwargs == {"version_id": version.pk}
    assert task.completed_at is not None
    agreement = Agreement.objects.get(version=version)
    assert agreement.status == AgreementStatus.AWAITING_SIGNATURES
    assert agreement.proposal == proposal
    with agreement.draft_pdf.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == agreement.draft_sha256


def test_generation_is_idempotent(approved_version, signatory_a, signatory_b, settings):
    first = generation.agreement_generate(version_id=approved_version.pk)
    second = generation.agreement_generate(version_id=approved_version.pk)

    assert first.pk == second.pk
    assert Agreement.objects.count() == 1
    assert AgreementParty.objects.count() == 2
    drafts = list((settings.MEDIA_ROOT / "agreements" / "draft").rglob("*.pdf"))
    assert len(drafts) == 1
    second.refresh_from_db()
    assert hashlib.sha256(drafts[0].read_bytes()).hexdigest() == second.draft_sha256
    assert AgreementEvent.objects.filter(kind="generated").count() == 1
    assert AgreementEvent.objects.filter(kind="ready").count() == 1
    asked = Notification.objects.filter(kind=NotificationKind.SIGNATURE_REQUESTED)
    assert sorted(asked.values_list("user__email", flat=True)) == [
        "signatory.a@ardwick.example",
        "signatory.b@bpnt.example",
    ]


def test_a_run_after_the_pdf_is_stored_changes_nothing(agreement):
    sha = agreement.draft_sha256
    generation.agreement_render_draft(agreement_id=agreement.pk)
    agreement.refresh_from_db()
    assert agreement.draft_sha256 == sha
    assert agreement.history.filter(history_change_reason="isf.agreement.generated").count() == 1


def test_reference_status_dates_and_data_categories(agreement, approved_version):
    assert re.fullmatch(r"DSA-\d{4}-\d{4}", agreement.reference)
    assert agreement.status == AgreementStatus.AWAITING_SIGNATURES
    assert agreement.title == "Falls prevention referrals"
    snap = approved_version.snapshot
    assert agreement.review_date.isoformat() == snap["review_date"]
    assert agreement.end_date.isoformat() == snap["end_date"]
    assert agreement.has_special_category is False
    assert agreement.history.filter(
        history_change_reason="isf.agreement.awaiting_signatures"
    ).exists()


def test_every_section_the_ico_code_expects_is_in_the_content(agreement):
    content = agreement.content
    assert [s["key"] for s in content["sections"]] == SECTION_KEYS
    assert [s["number"] for s in content["sections"]] == list(range(1, len(SECTION_KEYS) + 1))
    assert content["reference"] == agreement.reference
    assert content["version"] == 1
    assert content["proposal"]["version"] == 1
    assert content["clauses_missing"] == []


def test_the_clause_versions_used_are_recorded(agreement):
    used = agreement.content["clauses"]
    library = dict(ClauseTemplate.objects.values_list("key", "version"))
    assert set(used) == set(library) - {"joint-controllers"}  # no joint controllers here
    assert all(used[key] == library[key] for key in used)


def test_a_later_clause_version_does_not_change_an_old_agreement(
    agreement, org_a, org_b, member_a, approver_a, approver_b
):
    clause = ClauseTemplate.objects.get(key="breaches")
    clause.body = "New breach wording."
    clause.version = 2
    clause.save()
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a, title="Second")
    version = approve(
        proposal, author=member_a, approvers={org_a.pk: approver_a, org_b.pk: approver_b}
    )
    newer = generation.agreement_generate(version_id=version.pk)

    assert newer.content["clauses"]["breaches"] == 2
    agreement.refresh_from_db()
    assert agreement.content["clauses"]["breaches"] == 1
    old_text = str(agreement.content)
    assert "New breach wording." not in old_text and "New breach wording." in str(newer.content)


def test_joint_controllers_get_the_article_26_arrangement(
    org_a, org_b, member_a, approver_a, approver_b
):
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a)
    party = proposal.participants.get(organisation=org_b)
    party.controller_role = "joint"
    party.save()
    version = approve(
        proposal, author=member_a, approvers={org_a.pk: approver_a, org_b.pk: approver_b}
    )
    agreement = generation.agreement_create(version_id=version.pk)
    keys = [s["key"] for s in agreement.content["sections"]]
    assert keys[1] == "joint-controllers"
    assert "joint-controllers" in agreement.content["clauses"]


def test_parties_are_snapshotted_with_the_signatures_each_owes(agreement, org_a, org_b):
    parties = {p.organisation_id: p for p in agreement.parties.all()}
    a, b = parties[org_a.pk], parties[org_b.pk]
    assert a.is_lead and not b.is_lead
    assert a.required_signatures == ["siro"]
    assert b.ico_registration_number == org_b.ico_registration_number
    assert b.dpo_email == org_b.dpo_email

    org_b.name = "Renamed and Merged NHS Trust"
    org_b.save()
    b.refresh_from_db()
    agreement.refresh_from_db()
    assert b.name == "Bradford Park NHS Trust"
    assert "Renamed" not in str(agreement.content)


def test_a_caldicott_organisation_owes_two_signatures(
    approved_version, caldicott_b, signatory_a, org_b
):
    agreement = generation.agreement_generate(version_id=approved_version.pk)
    party = agreement.parties.get(organisation=org_b)
    assert party.required_signatures == ["siro", "caldicott"]
    signatories = agreement.content["sections"][-1]["blocks"][-1]["rows"]
    assert [org_b.name, "Caldicott Guardian"] in signatories
    asked = Notification.objects.filter(kind=NotificationKind.SIGNATURE_REQUESTED)
    assert "cg.b@bpnt.example" in set(asked.values_list("user__email", flat=True))


def test_party_members_and_the_steering_group_may_view(
    agreement, member_a, signatory_b, outsider, steering_member
):
    for user in (member_a, signatory_b, steering_member):
        assert "view_agreement" in get_perms(user, agreement), user
    assert "view_agreement" not in get_perms(outsider, agreement)


def test_signatories_are_told_with_their_ig_mailbox_copied(agreement, org_b, signatory_b):
    org_b.ig_mailbox = "ig@bpnt.example"
    org_b.save()
    notification = Notification.objects.get(
        user=signatory_b, kind=NotificationKind.SIGNATURE_REQUESTED
    )
    assert notification.url == f"/agreements/{agreement.reference}/sign/"
    assert agreement.reference in notification.email.subject
    assert "sign" in notification.email.body_text


def test_no_agreement_if_the_proposal_is_no_longer_approved(approved_version):
    Proposal.objects.filter(pk=approved_version.proposal_id).update(
        status=ProposalStatus.CHANGES_REQUESTED
    )
    assert generation.agreement_generate(version_id=approved_version.pk) is None
    assert not Agreement.objects.exists()


def test_each_proposal_field_is_escaped_text_in_the_content(
    org_a, org_b, member_a, approver_a, approver_b
):
    proposal = build_proposal(
        lead=org_a,
        partners=[org_b],
        author=member_a,
        text={"problem": "<b>bold</b> & <script>x()</script>"},
    )
    version = approve(
        proposal, author=member_a, approvers={org_a.pk: approver_a, org_b.pk: approver_b}
    )
    agreement = generation.agreement_create(version_id=version.pk)
    purpose = next(s for s in agreement.content["sections"] if s["key"] == "purpose")
    assert ["The problem this sharing addresses", "<b>bold</b> & <script>x()</script>"] in (
        purpose["blocks"][0]["rows"]
    )
