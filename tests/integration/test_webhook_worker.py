"""Webhooks sent by a real Celery worker, on Redis, to an HTTPS receiver on loopback (issue
#15): each event arrives once although the worker is killed (SIGKILL) and restarted with
deliveries done, one under way and more waiting, and the broker then hands every delivery
over again; a receiver answering 500 sees the retries,
with growing waits, and the delivery log keeps every attempt.

The receiver counts every POST it gets, duplicates included: the Standard Webhooks
`webhook-id` would let a receiver drop a repeat, and must not be what hides one here.

The worker is a process of its own (as tests/integration/test_fault_worker_killed.py), on a
throwaway Redis, reading this test's database; the events come from the services people use
(a proposal submitted). Waits are short (WEBHOOK_RETRY_SECONDS, REDIS_VISIBILITY_TIMEOUT) so
the file runs in well under a minute.
"""

import itertools
import time

import pytest
from django.db import transaction
from standardwebhooks.webhooks import Webhook

from api.models import WebhookDelivery
from api.tasks import webhook_deliver
from api.webhooks import endpoint_create
from sharing_requests import services
from tests.api.webhook_receiver import Receiver, make_ca_and_server_cert
from tests.conftest import build_proposal
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

Status = WebhookDelivery.Status


@pytest.fixture
def receiver(fault_tmp, settings):
    ca_file, cert_file = make_ca_and_server_cert(fault_tmp)
    settings.WEBHOOK_CA_FILE = str(ca_file)
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    found = Receiver(cert_file)
    yield found
    found.stop()


@pytest.fixture
def redis(fault_tmp, postgres):
    server = ThrowawayRedis(fault_tmp, persist=False)
    server.start()
    yield server
    server.kill()


def worker_for(redis, fault_tmp, settings, **overrides) -> WorkerProcess:
    env = process_env(
        ISF_VAR_DIR=str(fault_tmp / "var"),
        DATABASE_URL=run_database_url(),
        REDIS_URL=redis.url,
        EMAIL_URL=f"filemail:///{fault_tmp / 'mail'}",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        WEBHOOK_CA_FILE=settings.WEBHOOK_CA_FILE,
        WEBHOOK_ALLOW_PRIVATE="true",
        **overrides,
    )
    return WorkerProcess(env, fault_tmp / "worker.log")


def proposals(org_a, org_b, member_a, count: int):
    """Complete proposals of A with B, ready to submit (made with eager tasks, before any
    worker: their invitations' e-mails are not the test's concern)."""
    return [
        build_proposal(lead=org_a, partners=[org_b], by=member_a, title=f"Referrals {n}")
        for n in range(count)
    ]


def submit(redis, proposal, member_a) -> WebhookDelivery:
    """Submit through the service; its webhook is handed to Redis on commit."""
    with celery_broker(redis.url), transaction.atomic():
        services.proposal_submit(proposal=proposal, by=member_a)
    return WebhookDelivery.objects.get(payload__data__proposal=proposal.reference)


def delivered(*deliveries) -> bool:
    pks = [d.pk for d in deliveries]
    return WebhookDelivery.objects.filter(pk__in=pks, status=Status.DELIVERED).count() == len(pks)


def test_each_event_arrives_once_across_a_worker_killed_and_restarted(
    receiver, redis, fault_tmp, settings, org_a, org_b, member_a, admin_b
):
    endpoint = endpoint_create(
        organisation=org_b, url=receiver.url, events=["proposal.submitted"], by=admin_b
    )
    made = proposals(org_a, org_b, member_a, 6)
    # A killed worker's unfinished message comes back to the next one after 2 s.
    worker = worker_for(redis, fault_tmp, settings, REDIS_VISIBILITY_TIMEOUT="2")
    first = [submit(redis, p, member_a) for p in made[:3]]
    try:
        # The third delivery's row is held: the worker sends two, then waits on the third.
        with row_locked("api_webhookdelivery", first[2].pk):
            worker.start()
            wait_for(
                lambda: delivered(*first[:2]) and waiting_on_a_lock("api_webhookdelivery"),
                timeout=40,
                interval=0.2,
                what=f"two deliveries, then a wait on the third; the worker said:\n{worker.tail()}",
            )
            worker.kill()
        assert receiver.count_by_id() == {first[0].message_id: 1, first[1].message_id: 1}
        first[2].refresh_from_db()
        assert first[2].status == Status.PENDING and not first[2].attempts.exists()

        # Two more events while no worker runs: they wait in Redis.
        later = [submit(redis, p, member_a) for p in made[3:5]]
        killed_at = time.monotonic()
        worker.start()
        everything = first + later
        wait_for(
            lambda: delivered(*everything),
            timeout=40,
            what=f"every delivery after the restart; the worker said:\n{worker.tail()}",
        )
        print(f"all delivered {time.monotonic() - killed_at:.1f} s after the restart")
        # The broker hands every delivery over again (a redispatch, a late ack): the worker
        # takes one message at a time, in order, so once a later event has arrived the
        # copies before it have had their turn.
        with celery_broker(redis.url):
            for delivery in everything:
                webhook_deliver.delay(delivery_id=delivery.pk)
        marker = submit(redis, made[5], member_a)
        wait_for(
            lambda: delivered(marker),
            timeout=30,
            what=f"the event after the copies; the worker said:\n{worker.tail()}",
        )
        everything.append(marker)
    finally:
        worker.stop()

    # Each event exactly once at the receiver: counted raw, per id, signed with the secret.
    assert receiver.count_by_id() == {d.message_id: 1 for d in everything}
    verifier = Webhook(endpoint.secret)
    for headers, body in receiver.received:
        payload = verifier.verify(body, {k.lower(): v for k, v in headers.items()})
        assert payload["type"] == "proposal.submitted"
    assert sorted(d.payload["data"]["proposal"] for d in everything) == sorted(
        p.reference for p in made
    )
    for delivery in everything:
        assert [a.status_code for a in delivery.attempts.all()] == [204]


def test_a_receiver_answering_500_sees_each_retry_after_a_growing_wait(
    receiver, redis, fault_tmp, settings, org_a, org_b, member_a, admin_b
):
    failures, first_wait = 3, 1.0
    receiver.answers = [500] * failures  # then 204
    endpoint_create(organisation=org_b, url=receiver.url, events=["proposal.submitted"], by=admin_b)
    (proposal,) = proposals(org_a, org_b, member_a, 1)
    worker = worker_for(
        redis,
        fault_tmp,
        settings,
        WEBHOOK_RETRY_SECONDS=str(first_wait),
        WEBHOOK_MAX_ATTEMPTS="6",
        # Longer than any wait, so a retry held by the worker is never handed out again.
        REDIS_VISIBILITY_TIMEOUT="60",
    )
    delivery = submit(redis, proposal, member_a)
    try:
        worker.start()
        wait_for(
            lambda: delivered(delivery),
            timeout=40,
            what=f"the delivery to go through; the worker said:\n{worker.tail()}",
        )
        time.sleep(1)  # no further try comes
    finally:
        worker.stop()

    assert receiver.count_by_id() == {delivery.message_id: failures + 1}
    waits = [later - earlier for earlier, later in itertools.pairwise(receiver.arrived)]
    print("waits between tries:", ", ".join(f"{w:.2f} s" for w in waits))
    for number, wait in enumerate(waits):
        assert wait >= first_wait * 2**number - 0.05, waits
    assert waits[-1] > waits[0] + first_wait
    # The log keeps each attempt, in order, and the delivery's history says how it ended.
    assert [a.status_code for a in delivery.attempts.all()] == [500] * failures + [204]
    delivery.refresh_from_db()
    assert delivery.status == Status.DELIVERED
    assert [h.history_change_reason for h in delivery.history.order_by("history_id")] == [
        "isf.webhook.recorded",
        "isf.webhook.delivered",
    ]
