"""Redis restarted while a review round opens for 20 organisations (issue #13 item 7): every
review request and notification exists afterwards, none twice, and each e-mail goes out once.

A real worker, in a process of its own, on a throwaway Redis that keeps its data on disk (an
append-only file synced on every write, as production's does). The test holds the proposal's
row lock, so the worker is inside the round's transaction when Redis is killed; the round then
commits with Redis away, so the e-mails it queued wait in the outbox, and the worker cannot
acknowledge the round's message at once. Redis comes back with its data; the redispatch
(beat's, run here by the test each second) hands the waiting e-mails over. Had the round's
message stayed unacknowledged it would run again after REDIS_VISIBILITY_TIMEOUT (2 s here) and
do nothing more (round_open is idempotent); the test prints how often the worker got it.
"""

import re
import time
from collections import Counter

import pytest
from django.db import transaction

from notifications.models import Email, Notification, NotificationKind
from organisations.models import Role
from outbox.models import OutboxTask
from outbox.tasks import redispatch
from sharing_requests import services
from sharing_requests.models import OrganisationDecision, ReviewRound
from tests.agreements.proposal_builders import build_proposal, other_organisation
from tests.factories import member_of
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

PARTNERS = 19  # and the lead: 20 organisations


def test_redis_restarted_while_a_round_opens_for_20_organisations(
    postgres, settings, fault_tmp, org_a, member_a, approver_a
):
    settings.OUTBOX_REDISPATCH_AFTER = 2
    partners = [other_organisation(n) for n in range(1, PARTNERS + 1)]
    approvers = [approver_a] + [
        member_of(o, Role.APPROVER, email=f"approver@{o.slug}.example") for o in partners
    ]
    proposal = build_proposal(lead=org_a, partners=partners, author=member_a)
    emails_before = Email.objects.count()
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()

    redis = ThrowawayRedis(fault_tmp, persist=True)
    redis.start()
    mail_dir = fault_tmp / "mail"
    worker = WorkerProcess(
        process_env(
            ISF_VAR_DIR=str(fault_tmp / "var"),
            DATABASE_URL=run_database_url(),
            REDIS_URL=redis.url,
            EMAIL_URL=f"filemail:///{mail_dir}",
            REDIS_VISIBILITY_TIMEOUT="2",
        ),
        fault_tmp / "worker.log",
    )
    try:
        with celery_broker(redis.url), transaction.atomic():
            version = services.proposal_submit(proposal=proposal, by=member_a)
        with row_locked("requests_proposal", proposal.pk):
            worker.start()
            wait_for(
                lambda: waiting_on_a_lock("requests_proposal"),
                timeout=40,
                interval=0.2,
                what=f"the worker to start opening the round; it said:\n{worker.tail()}",
            )
            redis.kill()
            killed_at = time.monotonic()
        # The round commits with Redis away; its e-mails wait in the outbox.
        wait_for(
            lambda: ReviewRound.objects.filter(version=version).exists(),
            timeout=20,
            what=f"the round to open with Redis away; the worker said:\n{worker.tail()}",
        )
        wait_for(
            lambda: OutboxTask.objects.filter(
                task_name="notifications.send_email", status="pending", last_error__gt=""
            ).exists(),
            timeout=20,
            what="the round's e-mails to find Redis away",
        )
        redis.start()  # the same port, the same data
        restarted_at = time.monotonic()

        def all_sent():
            with celery_broker(redis.url):
                redispatch()  # beat's periodic run
            return (
                Email.objects.count() > emails_before
                and not Email.objects.filter(sent_at__isnull=True).exists()
                and not OutboxTask.objects.filter(status="pending").exists()
            )

        wait_for(
            all_sent,
            timeout=60,
            interval=1,
            what=f"every e-mail to be sent after the restart; the worker said:\n{worker.tail()}",
        )
        print(
            f"Redis killed mid-round; back {restarted_at - killed_at:.1f} s later; every e-mail "
            f"sent {time.monotonic() - restarted_at:.1f} s after the restart"
        )
    finally:
        worker.stop()
        redis.kill()

    log = worker.log.read_text(errors="replace")
    deliveries = len(re.findall(r"Task requests\.open_review_round\[[^\]]+\] received", log))
    rounds = ReviewRound.objects.filter(version=version)
    assert rounds.count() == 1
    decisions = OrganisationDecision.objects.filter(round=rounds.get())
    assert sorted(decisions.values_list("organisation_id", flat=True)) == sorted(
        [org_a.pk, *(o.pk for o in partners)]
    )
    requested = Notification.objects.filter(
        pk__gt=last_notification or 0, kind=NotificationKind.REVIEW_REQUESTED
    )
    assert Counter(requested.values_list("user_id", flat=True)) == {a.pk: 1 for a in approvers}
    new_emails = Email.objects.order_by("pk")[emails_before:]
    by_recipient = Counter((e.to, e.subject) for e in new_emails)
    assert {a.email for a in approvers} <= {to for to, _subject in by_recipient}
    assert set(by_recipient.values()) == {1}
    assert all(e.attempts == 1 for e in new_emails)
    # Django's file backend writes the messages one connection sends into one file, each
    # followed by a line of 79 dashes: count messages, not files.
    separator = "\n" + "-" * 79 + "\n"
    written = sum(f.read_text(errors="replace").count(separator) for f in mail_dir.glob("*.log"))
    assert written == len(new_emails)
    print(f"the round's task was delivered to the worker {deliveries} times")
