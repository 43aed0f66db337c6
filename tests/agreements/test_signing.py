"""Signing: the exact draft, the password again, one signature per party and capacity, a
decline sending the proposal back, and the last signature queuing the seal exactly once."""

import threading

import pytest
from django.db import close_old_connections, connection

from agreements import signing
from agreements.models import (
    Agreement,
    AgreementEvent,
    AgreementStatus,
    Signature,
)
from isf_portal.domain import DomainError
from notifications.models import Notification, NotificationKind
from outbox.models import OutboxTask
from sharing_requests.choices import ProposalStatus

pytestmark = pytest.mark.django_db


def sign(agreement, user, *, password, party=None, capacity=None, sha=None, job="SIRO"):
    owed = signing.owed_by(user=user, agreement=agreement)
    party = party or owed[0].party
    capacity = capacity or owed[0].capacity
    return signing.signature_record(
        agreement=agreement,
        by=user,
        party=party,
        capacity=capacity,
        password=password,
        pdf_sha256=sha or agreement.draft_sha256,
        job_title=job,
    )


def test_a_wrong_password_records_nothing(agreement, signatory_a):
    with pytest.raises(signing.WrongPassword):
        sign(agreement, signatory_a, password="not-my-password")

    agreement.refresh_from_db()
    assert not Signature.objects.exists()
    assert not AgreementEvent.objects.filter(kind="signed").exists()
    assert agreement.status == AgreementStatus.AWAITING_SIGNATURES
    assert len(signing.owed_by(user=signatory_a, agreement=agreement)) == 1


def test_a_signature_records_who_for_whom_when_and_the_pdf_signed(
    agreement, signatory_a, password, org_a
):
    signature = sign(agreement, signatory_a, password=password, job="Director of Legal Services")

    signature.refresh_from_db()
    assert signature.name == "Sue Signer"
    assert signature.job_title == "Director of Legal Services"
    assert signature.organisation_name == org_a.name
    assert signature.capacity == "siro"
    assert signature.signed_at is not None
    assert signature.pdf_sha256 == agreement.draft_sha256
    assert signature.history.first().history_change_reason == "isf.agreement.signed"
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.AWAITING_SIGNATURES  # org B still to sign
    assert AgreementEvent.objects.filter(kind="signed", actor=signatory_a).exists()
    assert not OutboxTask.objects.filter(task_name="agreements.seal").exists()


def test_the_last_signature_queues_the_seal_once(agreement, signatory_a, signatory_b, password):
    sign(agreement, signatory_a, password=password)
    sign(agreement, signatory_b, password=password)

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SEALING
    task = OutboxTask.objects.get(task_name="agreements.seal")
    assert task.kwargs == {"agreement_id": agreement.pk}
    assert AgreementEvent.objects.filter(kind="all_signed").count() == 1


def test_a_signature_is_given_once(agreement, signatory_a, password, org_a, member_a):
    sign(agreement, signatory_a, password=password)
    party = agreement.parties.get(organisation=org_a)
    with pytest.raises(DomainError, match="already been given"):
        sign(agreement, signatory_a, password=password, party=party, capacity="siro")
    assert Signature.objects.count() == 1


def test_only_the_draft_shown_can_be_signed(agreement, signatory_a, password):
    with pytest.raises(DomainError, match="changed since you opened it"):
        sign(agreement, signatory_a, password=password, sha="0" * 64)
    assert not Signature.objects.exists()


def test_a_member_who_is_not_a_signatory_cannot_sign(agreement, member_a, password, org_a):
    party = agreement.parties.get(organisation=org_a)
    assert not signing.is_signatory_for(user=member_a, agreement=agreement)
    with pytest.raises(signing.NotASignatory):
        sign(agreement, member_a, password=password, party=party, capacity="siro")
    assert not Signature.objects.exists()


def test_a_caldicott_party_needs_both_signatures(
    approved_version, caldicott_b, signatory_a, signatory_b, password
):
    from agreements.generation import services as generation

    agreement = generation.agreement_generate(version_id=approved_version.pk)
    sign(agreement, signatory_a, password=password)
    sign(agreement, signatory_b, password=password)
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.AWAITING_SIGNATURES
    [(party, capacity)] = signing.missing_signatures(agreement)
    assert capacity == "caldicott"

    sign(agreement, caldicott_b, password=password, job="Caldicott Guardian")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.SEALING


def test_waiting_signatures_are_listed_for_the_signatory(agreement, signatory_a, password):
    [(waiting, owed)] = signing.awaiting_signature_of(user=signatory_a)
    assert waiting == agreement and owed[0].capacity == "siro"
    sign(agreement, signatory_a, password=password)
    assert signing.awaiting_signature_of(user=signatory_a) == []


def test_declining_withdraws_the_agreement_and_sends_the_proposal_back(
    agreement, signatory_a, signatory_b, member_a
):
    signing.signature_decline(
        agreement=agreement, by=signatory_b, reason="The retention period is too long."
    )

    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.WITHDRAWN
    assert "The retention period is too long." in agreement.end_reason
    proposal = agreement.proposal
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.CHANGES_REQUESTED
    event = proposal.events.get(kind="sent_back")
    assert "The retention period is too long." in event.description
    assert Notification.objects.filter(
        user=member_a, kind=NotificationKind.CHANGES_REQUESTED
    ).exists()
    told = Notification.objects.get(user=signatory_a, kind=NotificationKind.AGREEMENT)
    assert agreement.reference in told.title
    assert signing.owed_by(user=signatory_a, agreement=agreement) == []
    assert agreement.history.first().history_change_reason == "isf.agreement.declined"


def test_declining_needs_a_reason(agreement, signatory_b):
    with pytest.raises(DomainError, match="reason"):
        signing.signature_decline(agreement=agreement, by=signatory_b, reason="  ")
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.AWAITING_SIGNATURES


@pytest.mark.django_db(transaction=True)
def test_concurrent_final_signatures_seal_exactly_once(
    postgres, agreement, signatory_a, signatory_b, governance_b, password
):
    """Two parties' signatories press "sign" at the same moment, each the last of their own
    party: the agreement row lock serialises them, so exactly one sees every signature in."""
    owed = {
        user.pk: signing.owed_by(user=user, agreement=agreement)[0]
        for user in (signatory_a, signatory_b)
    }
    barrier = threading.Barrier(2)
    errors = []

    def press_sign(user):
        try:
            barrier.wait(timeout=10)
            signing.signature_record(
                agreement=Agreement.objects.get(pk=agreement.pk),
                by=user,
                party=owed[user.pk].party,
                capacity=owed[user.pk].capacity,
                password=password,
                pdf_sha256=agreement.draft_sha256,
                job_title="SIRO",
            )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=press_sign, args=(u,)) for u in (signatory_a, signatory_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert Signature.objects.filter(agreement=agreement).count() == 2
    assert OutboxTask.objects.filter(task_name="agreements.seal").count() == 1
    assert AgreementEvent.objects.filter(agreement=agreement, kind="all_signed").count() == 1
    # The seal ran (eagerly, after commit) exactly once.
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert AgreementEvent.objects.filter(agreement=agreement, kind="sealed").count() == 1
    assert agreement.signed_sha256
