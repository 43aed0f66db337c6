"""Webhooks: an HTTPS receiver on loopback (trusted through a test CA) gets each event once,
signed per Standard Webhooks; a receiver answering 500 sees the retries, then the endpoint
is paused and its admins told; addresses that are not HTTPS or lead to private networks are
refused; the admin's page subscribes, lists the attempts and re-sends."""

import json

import pytest
from django.urls import reverse
from standardwebhooks.webhooks import Webhook

from api.models import WebhookDelivery, WebhookEndpoint
from api.tasks import webhook_deliver
from api.webhook_delivery import AddressRefused, address_check, attempt_record
from api.webhooks import delivery_new, endpoint_create, event_record
from notifications.models import Notification
from outbox.models import OutboxTask
from outbox.services import outbox_dispatch
from sharing_requests import services

from .webhook_receiver import Receiver, make_ca_and_server_cert


@pytest.fixture
def receiver(tmp_path, settings):
    ca_file, cert_file = make_ca_and_server_cert(tmp_path)
    settings.WEBHOOK_CA_FILE = str(ca_file)
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on loopback
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    settings.WEBHOOK_PAUSE_AFTER = 1
    found = Receiver(cert_file)
    yield found
    found.stop()


def _submit(complete_proposal, member_a, capture):
    with capture(execute=True):
        services.proposal_submit(proposal=complete_proposal, by=member_a)


@pytest.mark.django_db
def test_an_event_arrives_once_signed_with_ids_and_links_only(
    receiver, complete_proposal, member_a, admin_b, org_b, django_capture_on_commit_callbacks
):
    endpoint = endpoint_create(
        organisation=org_b, url=receiver.url, events=["proposal.submitted"], by=admin_b
    )
    _submit(complete_proposal, member_a, django_capture_on_commit_callbacks)

    assert len(receiver.received) == 1
    headers, body = receiver.received[0]
    headers = {k.lower(): v for k, v in headers.items()}
    payload = Webhook(endpoint.secret).verify(body, headers)
    assert payload["type"] == "proposal.submitted"
    assert payload["data"]["proposal"] == complete_proposal.reference
    assert set(payload["data"]) == {"proposal", "status", "url"}
    assert member_a.email not in body and member_a.full_name not in body
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert [a.status_code for a in delivery.attempts.all()] == [204]
    # A worker restarting mid-way runs the task again: the receiver still sees it once.
    webhook_deliver.apply(kwargs={"delivery_id": delivery.pk})
    assert len(receiver.received) == 1 and delivery.attempts.count() == 1


@pytest.mark.django_db
def test_a_failing_endpoint_sees_retries_then_is_paused_and_admins_told(
    receiver, complete_proposal, member_a, admin_b, org_b, django_capture_on_commit_callbacks
):
    receiver.status = 500
    endpoint = endpoint_create(
        organisation=org_b, url=receiver.url, events=["proposal.submitted"], by=admin_b
    )
    _submit(complete_proposal, member_a, django_capture_on_commit_callbacks)
    # Celery retries later; here (eager tasks) the outbox's redispatch hands it over again.
    row = OutboxTask.objects.get(task_name="api.webhook_deliver")
    for _again in range(4):
        outbox_dispatch(outbox_id=row.pk)

    assert len(receiver.received) == 3  # WEBHOOK_MAX_ATTEMPTS, then no more
    ids = {dict(h)["webhook-id"] for h, _b in receiver.received}
    assert len(ids) == 1  # the same message, retried
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert [a.status_code for a in delivery.attempts.all()] == [500, 500, 500]
    assert [h.history_change_reason for h in delivery.history.order_by("history_id")] == [
        "isf.webhook.recorded",
        "isf.webhook.failed",
    ]
    endpoint.refresh_from_db()
    assert endpoint.paused_at is not None
    assert endpoint.history.first().history_change_reason == "isf.webhook.paused"
    assert Notification.objects.filter(user=admin_b, title__contains="Webhook paused").exists()


def test_addresses_that_are_not_https_or_lead_inside_are_refused(settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    for url in (
        "http://example.org/hook",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://169.254.169.254/latest",
        "https://10.1.2.3/hook",
        "https://[::1]/hook",
    ):
        with pytest.raises(AddressRefused):
            address_check(url)
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert address_check("https://127.0.0.1/hook") == ["127.0.0.1"]


@pytest.mark.django_db
def test_the_admins_page_subscribes_lists_attempts_and_resends(
    receiver,
    client_for,
    admin_b,
    org_b,
    member_a,
    outsider,
    complete_proposal,
    django_capture_on_commit_callbacks,
):
    url = reverse("api-tokens:webhooks", args=[org_b.slug])
    assert client_for(outsider).get(url).status_code == 404
    client = client_for(admin_b)
    refused = client.post(url, {"url": "http://example.org/x", "events": ["proposal.submitted"]})
    assert refused.status_code == 200 and not WebhookEndpoint.objects.exists()
    response = client.post(url, {"url": receiver.url, "events": ["proposal.submitted"]})
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret.encode() in response.content
    _submit(complete_proposal, member_a, django_capture_on_commit_callbacks)
    page = client.get(url)
    assert endpoint.secret.encode() not in page.content and b"answered 204" in page.content
    delivery = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("api-tokens:webhook-resend", args=[org_b.slug, delivery.pk]))
    assert delivery.attempts.count() == 2 and len(receiver.received) == 2
    assert json.loads(receiver.received[0][1]) == json.loads(receiver.received[1][1])
    # The re-send is audited, with who asked for it; the worker's delivery too.
    history = list(delivery.history.order_by("history_id"))
    assert [(h.history_change_reason, h.history_user) for h in history] == [
        ("isf.webhook.recorded", None),
        ("isf.webhook.delivered", None),
        ("isf.webhook.resent", admin_b),
        ("isf.webhook.delivered", None),
    ]
    # Someone who does not manage the organisation learns nothing and changes nothing.
    for name, pk in (("webhook-resend", delivery.pk), ("webhook-resume", endpoint.pk)):
        address = reverse(f"api-tokens:{name}", args=[org_b.slug, pk])
        assert client_for(outsider).post(address).status_code == 404
        assert client_for(member_a).post(address).status_code == 404
    assert delivery.attempts.count() == 2 and len(receiver.received) == 2


@pytest.mark.django_db
def test_resuming_a_paused_endpoint_is_audited_and_sends_new_events_again(
    receiver, client_for, admin_b, org_b, outsider
):
    endpoint = endpoint_create(
        organisation=org_b, url=receiver.url, events=["proposal.submitted"], by=admin_b
    )
    endpoint.paused_at = endpoint.created_at
    endpoint.failures_in_a_row = 5
    endpoint.save()
    address = reverse("api-tokens:webhook-resume", args=[org_b.slug, endpoint.pk])
    assert client_for(outsider).post(address).status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.paused_at is not None
    assert event_record(event="proposal.submitted", organisation_ids=[org_b.pk], data={}) == 0

    assert client_for(admin_b).post(address).status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.paused_at is None and endpoint.failures_in_a_row == 0
    latest = endpoint.history.first()
    assert (latest.history_change_reason, latest.history_user) == ("isf.webhook.resumed", admin_b)
    assert event_record(event="proposal.submitted", organisation_ids=[org_b.pk], data={}) == 1
    # Resuming one that runs changes nothing, and records nothing.
    rows = endpoint.history.count()
    assert client_for(admin_b).post(address).status_code == 302
    assert endpoint.history.count() == rows


@pytest.mark.django_db
def test_a_demo_endpoint_gets_no_deliveries_and_its_log_cannot_be_re_sent(
    client_for, admin_b, org_b
):
    endpoint = WebhookEndpoint.objects.create(
        organisation=org_b,
        url="https://hooks.salford.example/isf",
        events=["proposal.submitted"],
        secret="whsec_demo",
        created_by=admin_b,
        demo=True,
    )
    assert event_record(event="proposal.submitted", organisation_ids=[org_b.pk], data={}) == 0
    delivery = delivery_new(endpoint=endpoint, event="proposal.submitted", data={})
    attempt_record(delivery=delivery, status_code=204)
    response = client_for(admin_b).post(
        reverse("api-tokens:webhook-resend", args=[org_b.slug, delivery.pk]), follow=True
    )
    assert "never sent to" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert not delivery.history.filter(history_change_reason="isf.webhook.resent").exists()
    assert not OutboxTask.objects.filter(task_name="api.webhook_deliver").exists()
    # Even handed to a worker, nothing is tried.
    delivery.status = WebhookDelivery.Status.PENDING
    delivery.save()
    webhook_deliver.apply(kwargs={"delivery_id": delivery.pk})
    assert delivery.attempts.count() == 1
