"""The Celery worker killed with SIGKILL while it seals an agreement (issue #13 item 7): after
a restart there is exactly one sealed PDF, the agreement is active, and each e-mail is sent
once.

A real worker, in a process of its own, on a throwaway Redis. The test holds the agreement's
row lock, so the worker has rendered and sealed the PDF and waits to store it when SIGKILL
arrives. Tasks are acknowledged late: the killed worker's message stays unacknowledged in
Redis, and the restarted worker gets it again once REDIS_VISIBILITY_TIMEOUT (2 s here) has
passed.
"""

import hashlib
import time

import pytest
from django.db import transaction

from agreements.models import Agreement, AgreementEvent, AgreementStatus
from agreements.verification import Verdict, verify_pdf
from notifications.models import Email
from outbox.models import OutboxTask
from tests.agreements.proposal_builders import approve, build_proposal
from tests.agreements.test_sealing import sign_all
from tests.integration.conftest import celery_broker, wait_for
from tests.integration.fault_services import (
    ThrowawayRedis,
    WorkerProcess,
    process_env,
    row_locked,
    run_database_url,
    waiting_on_a_lock,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def signed_but_one(org_a, org_b, member_a, approver_a, approver_b) -> Agreement:
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a)
    version = approve(
        proposal, author=member_a, approvers={org_a.pk: approver_a, org_b.pk: approver_b}
    )
    return Agreement.objects.get(version=version)


def sent_files(mail_dir) -> list[str]:
    return [path.read_text(errors="replace") for path in mail_dir.glob("*.log")]


def test_worker_killed_while_sealing_seals_once_after_a_restart(
    postgres,
    settings,
    one_sealing_key,
    fault_tmp,
    org_a,
    org_b,
    member_a,
    approver_a,
    approver_b,
    signatory_a,
    signatory_b,
    governance_a,
    governance_b,
    password,
):
    settings.MEDIA_ROOT = fault_tmp / "media"
    agreement = signed_but_one(org_a, org_b, member_a, approver_a, approver_b)
    emails_before = Email.objects.count()
    redis = ThrowawayRedis(fault_tmp)
    redis.start()
    mail_dir = fault_tmp / "mail"
    worker = WorkerProcess(
        process_env(
            ISF_VAR_DIR=str(fault_tmp / "var"),
            DATABASE_URL=run_database_url(),
            REDIS_URL=redis.url,
            EMAIL_URL=f"filemail:///{mail_dir}",
            MEDIA_ROOT=str(settings.MEDIA_ROOT),
            SEALING_LOCAL_DIR=str(settings.SEALING_LOCAL_DIR),
            REDIS_VISIBILITY_TIMEOUT="2",
        ),
        fault_tmp / "worker.log",
    )
    try:
        # The signatures: the seal is recorded in the outbox and handed to Redis.
        with celery_broker(redis.url), transaction.atomic():
            sign_all(agreement, [signatory_a, signatory_b], password)
        with row_locked("agreements_agreement", agreement.pk):
            worker.start()
            wait_for(
                lambda: waiting_on_a_lock("agreements_agreement"),
                timeout=60,
                interval=0.2,
                what=f"the worker to seal and wait to store; it said:\n{worker.tail()}",
            )
            worker.kill()
            killed_at = time.monotonic()
        agreement.refresh_from_db()
        assert agreement.status == AgreementStatus.SEALING and not agreement.signed_pdf
        assert not (settings.MEDIA_ROOT / "agreements" / "signed").exists()

        worker.start()  # the restart
        wait_for(
            lambda: Agreement.objects.filter(
                pk=agreement.pk, status=AgreementStatus.ACTIVE
            ).exists(),
            timeout=60,
            what=f"the restarted worker to seal the agreement; it said:\n{worker.tail()}",
        )
        print(f"worker killed mid-seal; sealed {time.monotonic() - killed_at:.1f} s after")
        wait_for(
            lambda: (
                Email.objects.count() > emails_before
                and not Email.objects.filter(sent_at__isnull=True).exists()
            ),
            timeout=30,
            what=f"the sealing e-mails to be sent; the worker said:\n{worker.tail()}",
        )
    finally:
        worker.stop()
        redis.kill()

    agreement.refresh_from_db()
    sealed_files = [p for p in (settings.MEDIA_ROOT / "agreements").rglob("*") if p.is_file()]
    signed_files = [p for p in sealed_files if "signed" in p.parts]
    assert signed_files == [settings.MEDIA_ROOT / agreement.signed_pdf.name]
    data = signed_files[0].read_bytes()
    assert hashlib.sha256(data).hexdigest() == agreement.signed_sha256
    assert verify_pdf(data).verdict == Verdict.SEALED
    assert AgreementEvent.objects.filter(agreement=agreement, kind="sealed").count() == 1
    seal_rows = OutboxTask.objects.filter(task_name="agreements.seal")
    assert [row.status for row in seal_rows] == [OutboxTask.Status.DONE]

    # Every e-mail the seal queued went out once: one row each, one attempt, one file each.
    new = Email.objects.filter(pk__in=Email.objects.order_by("pk")[emails_before:].values("pk"))
    assert new.count() >= 2  # both parties' governance officers hear of it
    assert {e.to for e in new} >= {governance_a.email, governance_b.email}
    assert all(e.attempts == 1 for e in new)
    files = sent_files(mail_dir)
    for email in new:
        assert sum(f"To: {email.to}" in text and email.subject in text for text in files) == 1
    assert len(files) == new.count()
