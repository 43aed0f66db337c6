"""The demo's API tokens and webhooks (api/demo.py): made once by seed_demo, shown to
Salford's admin on the account, service token and webhooks pages, and never sent anywhere."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from api import demo
from api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from notifications.models import Notification
from organisations.models import Membership, User
from outbox.models import OutboxTask

pytestmark = pytest.mark.django_db


def api_tables() -> dict[str, int]:
    """Rows in the API's tables (history included) and in those the demo's pause touches."""
    labels = [m._meta.label for m in apps.get_app_config("api").get_models()]
    labels += ["organisations.User", "organisations.Membership", "notifications.Notification"]
    labels += ["outbox.OutboxTask"]
    return {label: apps.get_model(label)._default_manager.count() for label in labels}


def test_seed_demo_gives_salfords_admin_tokens_and_webhooks_with_a_log_once(client_for):
    call_command("seed_demo", stdout=io.StringIO())
    first = api_tables()
    assert demo.seed() == 0
    assert api_tables() == first

    admin = User.objects.get(email=demo.ADMIN)
    personal = ApiToken.objects.get(user=admin, organisation=None)
    assert personal.name == demo.PERSONAL_TOKEN and personal.last_used_at
    service = ApiToken.objects.get(organisation__slug=demo.ORGANISATION)
    roles = Membership.objects.get(user=service.user)
    assert roles.is_member and not (roles.is_approver or roles.is_signatory)
    assert not roles.is_org_admin and not hasattr(service.user, "steering_seat")

    endpoints = WebhookEndpoint.objects.filter(organisation__slug=demo.ORGANISATION)
    assert {e.url for e in endpoints} == {demo.HEALTHY_URL, demo.FAILING_URL}
    assert all(e.demo for e in endpoints)
    healthy = endpoints.get(url=demo.HEALTHY_URL)
    assert healthy.paused_at is None
    assert set(healthy.deliveries.values_list("status", flat=True)) == {"delivered"}
    retried = [d for d in healthy.deliveries.all() if d.attempts.count() == 2]
    assert [[a.status_code for a in d.attempts.all()] for d in retried] == [[503, 204]]
    failing = endpoints.get(url=demo.FAILING_URL)
    assert failing.paused_at is not None
    assert failing.history.first().history_change_reason == "isf.webhook.paused"
    assert set(failing.deliveries.values_list("status", flat=True)) == {"failed"}
    assert Notification.objects.filter(user=admin, title__contains="Webhook paused").exists()
    # Nothing of it goes to a worker.
    assert not OutboxTask.objects.filter(task_name="api.webhook_deliver").exists()
    assert WebhookDelivery.objects.filter(status="pending").count() == 0

    client = client_for(admin)
    tokens = client.get(reverse("api-tokens:list"))
    assert tokens.status_code == 200 and demo.PERSONAL_TOKEN in tokens.content.decode()
    services = client.get(reverse("api-tokens:service", args=[demo.ORGANISATION]))
    assert services.status_code == 200 and demo.SERVICE_TOKEN in services.content.decode()
    page = client.get(reverse("api-tokens:webhooks", args=[demo.ORGANISATION]))
    text = page.content.decode()
    assert page.status_code == 200
    for shown in (demo.HEALTHY_URL, demo.FAILING_URL, "Paused", "answered 503", "Demo"):
        assert shown in text, shown
    assert "Re-send" not in text  # the demo's deliveries cannot be sent again
