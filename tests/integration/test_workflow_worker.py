"""A real Celery worker on Redis drives a proposal from submission through every decision to
approval: the round opens in the worker, and every e-mail and notification goes out."""

import pytest
from django.core import mail
from django.test import Client

from notifications.models import Email, Notification, NotificationKind
from outbox.models import OutboxTask
from sharing_requests import services
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import DecisionStatus, ReviewRound, RoundOutcome, VoteChoice
from tests.integration.conftest import wait_for
from tests.workflow.conftest import build_proposal, current_round, fresh, url

pytestmark = pytest.mark.integration


def browser(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def sent_to(user) -> list[str]:
    return list(
        Email.objects.filter(recipient=user, sent_at__isnull=False)
        .order_by("pk")
        .values_list("subject", flat=True)
    )


def test_a_real_worker_takes_a_proposal_from_submission_to_approval(
    celery_worker, org_a, org_b, member_a, approver_a, approver_b, steering_member
):
    proposal = build_proposal(lead=org_a, partners=[org_b], by=member_a)

    # Submission commits; the worker opens the round from the outbox.
    version = services.proposal_submit(proposal=fresh(proposal), by=member_a)
    rnd = wait_for(
        lambda: ReviewRound.objects.filter(version=version).first(),
        timeout=30,
        what="the worker to open the review round",
    )
    wait_for(
        lambda: OutboxTask.objects.filter(
            task_name="requests.open_review_round", completed_at__isnull=False
        ).exists(),
        timeout=10,
        what="the round-opening outbox row to be completed",
    )
    assert rnd.number == 1 and rnd.decisions.count() == 2
    for person in (approver_a, approver_b, steering_member):
        wait_for(lambda person=person: sent_to(person), timeout=30, what=f"e-mail to {person}")
    assert "Your decision is needed" in sent_to(approver_b)[0]
    assert "Steering group vote needed" in sent_to(steering_member)[0]

    # Every organisation decides and the steering member votes, through the pages.
    for person, organisation in ((approver_a, org_a), (approver_b, org_b)):
        decision = current_round(proposal).decisions.get(organisation=organisation)
        response = browser(person).post(
            url("decide", proposal, decision.pk),
            {f"d{decision.pk}-status": DecisionStatus.APPROVED, f"d{decision.pk}-comment": "Yes"},
        )
        assert response.status_code == 302
    response = browser(steering_member).post(
        url("vote", proposal), {"vote-vote": VoteChoice.APPROVE}
    )
    assert response.status_code == 302

    p = fresh(proposal)
    assert p.status == ProposalStatus.APPROVED
    assert current_round(p).outcome == RoundOutcome.APPROVED

    # The lead's member hears of both decisions and the outcome, by e-mail from the worker.
    wait_for(
        lambda: len(sent_to(member_a)) == 3,
        timeout=30,
        what="the worker to send the decisions and the outcome to the lead",
    )
    subjects = sent_to(member_a)
    assert any("Ardwick approved" in s for s in subjects)
    assert any("BPNT approved" in s for s in subjects)
    assert subjects[-1].endswith(": approved")
    kinds = list(
        Notification.objects.filter(user=member_a).order_by("pk").values_list("kind", flat=True)
    )
    assert kinds == [
        NotificationKind.DECISION_MADE,
        NotificationKind.DECISION_MADE,
        NotificationKind.OUTCOME,
    ]
    wait_for(
        lambda: (
            not OutboxTask.objects.filter(
                task_name="notifications.send_email", completed_at__isnull=True
            ).exists()
        ),
        timeout=30,
        what="every e-mail's outbox row to be completed",
    )
    # Each e-mail went out exactly once.
    recipients = [tuple(m.to) for m in mail.outbox]
    assert len(recipients) == Email.objects.count()
    assert Email.objects.filter(attempts=1).count() == Email.objects.count()
