"""A decision saved while Redis is down or hung is kept, the page answers promptly, and its
notifications go out once the broker is back (the outbox redispatches them).

The Celery app is pointed at a closed port (Redis down) or a listener that accepts and never
answers (Redis hung), with the production broker timeouts; afterwards it is pointed back at
the test broker (eager) and the periodic redispatch task runs.
"""

import pytest
from django.core import mail

from notifications.models import Email, Notification, NotificationKind
from outbox.broker import broker_breaker
from outbox.models import OutboxTask
from outbox.tasks import redispatch
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import DecisionStatus
from tests.integration.conftest import celery_broker
from tests.integration.test_hung_broker import bounded
from tests.workflow.conftest import current_round, fresh, url

pytestmark = [pytest.mark.django_db(transaction=True)]

# Gunicorn's default worker timeout: past it the request would be killed, the decision lost
# to the user's eyes. The last test holds the page to a tighter bound.
REQUEST_BOUND_SECONDS = 30
SEND_EMAIL = "notifications.send_email"


def decide_through_the_page(client, proposal, organisation, *, seconds=REQUEST_BOUND_SECONDS):
    decision = current_round(proposal).decisions.get(organisation=organisation)
    return bounded(
        lambda: client.post(
            url("decide", proposal, decision.pk),
            {f"d{decision.pk}-status": DecisionStatus.APPROVED, f"d{decision.pk}-comment": "Yes"},
        ),
        seconds=seconds,
    )


def unsent_email_tasks():
    return OutboxTask.objects.filter(task_name=SEND_EMAIL, completed_at__isnull=True)


@pytest.fixture
def awaiting_last_decision(complete_proposal, org_a, org_b, member_a, approver_a, approver_b, wf):
    """In review with Ardwick approved: the trust's decision is the last one."""
    wf.submit(complete_proposal, by=member_a)
    wf.decide(complete_proposal, org_a, by=approver_a)
    mail.outbox.clear()
    return complete_proposal


def assert_kept_and_pending(response, elapsed, proposal, org_b, approver_b, member_a):
    print(f"decision POST returned in {elapsed:.1f} s")
    assert elapsed < REQUEST_BOUND_SECONDS, f"the request took {elapsed:.1f} s"
    assert response.status_code == 302
    decision = current_round(proposal).decisions.get(organisation=org_b)
    assert (decision.status, decision.decided_by) == (DecisionStatus.APPROVED, approver_b)
    assert fresh(proposal).status == ProposalStatus.APPROVED
    # The lead was told in the portal at once; its e-mails wait in the outbox.
    told = Notification.objects.filter(user=member_a).order_by("pk")
    assert [n.kind for n in told][-2:] == [NotificationKind.DECISION_MADE, NotificationKind.OUTCOME]
    waiting = Email.objects.filter(recipient=member_a, sent_at__isnull=True)
    assert waiting.count() == 2
    pending = unsent_email_tasks()
    assert pending.count() == 2
    assert all(row.dispatched_at is None and row.last_error for row in pending)
    assert mail.outbox == []
    return waiting


def redispatch_once_the_broker_is_back(member_a):
    # (The agreements app's generation task, recorded on approval, is dispatched too.)
    assert redispatch() >= 2
    assert not unsent_email_tasks().exists()
    assert not Email.objects.filter(sent_at__isnull=True).exists()
    subjects = sorted(m.subject for m in mail.outbox)
    assert [m.to for m in mail.outbox] == [[member_a.email], [member_a.email]]
    assert any("BPNT approved" in s for s in subjects)
    assert any(s.endswith(": approved") for s in subjects)
    # Run again: nothing more goes out.
    redispatch()
    assert len(mail.outbox) == 2


def test_a_decision_saved_while_redis_is_down_is_kept_and_notified_later(
    awaiting_last_decision, org_b, approver_b, member_a, client_for, down_redis_url
):
    client = client_for(approver_b)
    with celery_broker(down_redis_url, eager=False):
        response, elapsed = decide_through_the_page(client, awaiting_last_decision, org_b)
    assert_kept_and_pending(response, elapsed, awaiting_last_decision, org_b, approver_b, member_a)
    assert all(
        "refused" in row.last_error.lower() or "connect" in row.last_error.lower()
        for row in unsent_email_tasks()
    )

    redispatch_once_the_broker_is_back(member_a)


def test_a_decision_saved_while_redis_hangs_is_kept_and_notified_later(
    awaiting_last_decision, org_b, approver_b, member_a, client_for, hung_redis_url
):
    client = client_for(approver_b)
    with celery_broker(hung_redis_url, eager=False):
        response, elapsed = decide_through_the_page(client, awaiting_last_decision, org_b)
    assert_kept_and_pending(response, elapsed, awaiting_last_decision, org_b, approver_b, member_a)

    redispatch_once_the_broker_is_back(member_a)


@pytest.fixture(autouse=True)
def closed_breaker():
    """Each test starts with the broker breaker closed, whatever the one before left open."""
    broker_breaker.reset()
    yield
    broker_breaker.reset()


@pytest.mark.parametrize("broken", ["down_redis_url", "hung_redis_url"])
def test_the_page_answers_within_one_broker_timeout_however_many_are_notified(
    awaiting_last_decision, org_a, org_b, approver_b, member_a, client_for, broken, request
):
    """The first row to fail opens the breaker; the others are skipped, not each waited for."""
    from django.conf import settings

    from organisations.models import Role
    from tests.factories import member_of

    colleagues = [  # Ardwick's members all hear of the decision and the outcome
        member_of(org_a, Role.MEMBER, email=f"colleague{i}@ardwick.example") for i in range(5)
    ]
    before = OutboxTask.objects.order_by("pk").values_list("pk", flat=True).last() or 0
    bound = 2 * settings.BROKER_TIMEOUT + 2
    client = client_for(approver_b)
    with celery_broker(request.getfixturevalue(broken), eager=False):
        response, elapsed = decide_through_the_page(client, awaiting_last_decision, org_b)
    recorded = OutboxTask.objects.filter(pk__gt=before)
    print(f"decision POST recording {recorded.count()} outbox rows returned in {elapsed:.1f} s")
    assert response.status_code == 302
    assert elapsed < bound, f"the request took {elapsed:.1f} s"

    # Everything was kept, and waits in the outbox with the reason. One row tried the broker.
    assert fresh(awaiting_last_decision).status == ProposalStatus.APPROVED
    waiting = sorted(Email.objects.filter(sent_at__isnull=True).values_list("to", flat=True))
    told = {member_a.email} | {c.email for c in colleagues}
    assert told <= set(waiting)
    assert len(waiting) >= 2 * len(told)
    # One row sends each event's e-mails (the decision's, the outcome's); one is the agreement's.
    assert sorted(row.task_name for row in recorded) == [
        "agreements.generate",
        SEND_EMAIL,
        SEND_EMAIL,
    ]
    assert all(row.completed_at is None and row.dispatched_at is None for row in recorded)
    assert [row.dispatch_attempts for row in recorded].count(1) == 1
    assert all(
        "skipped for cool-down" in row.last_error for row in recorded if not row.dispatch_attempts
    )
    assert mail.outbox == []

    # The broker is back (eager here): the periodic redispatch sends every e-mail, once.
    assert redispatch() >= recorded.count()
    assert not recorded.filter(completed_at__isnull=True).exists()
    assert sorted(m.to[0] for m in mail.outbox) == waiting
    assert redispatch() == 0
    assert len(mail.outbox) == len(waiting)
