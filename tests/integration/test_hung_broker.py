"""A hung or absent broker never hangs a web request, and never loses what the user saved.

The org admin's "invite a colleague" form saves an invitation and queues its e-mail through the
outbox, which hands the work to the broker after commit. Here the broker is a TCP listener that
accepts connections and never answers (a hung Redis), or a closed port (Redis down). The
request must still return promptly with its usual redirect, the invitation and the e-mail must
be saved, and the outbox row must stay pending until the redispatch task hands it over to a
real broker and a real worker, which sends the e-mail.
"""

import threading
import time

import pytest
from django.core import mail
from django.db import connections
from django.test import Client
from django.urls import reverse

from notifications.models import Email
from organisations.models import Invitation
from outbox.models import OutboxTask
from outbox.tasks import redispatch
from tests.integration.conftest import celery_broker, running_worker, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

INVITEE = "new.colleague@ardwick.example"
REQUEST_BOUND_SECONDS = 10


def bounded(request, *, seconds: float):
    """Run `request()` in a thread; fail (rather than hang the suite) if it outlives `seconds`.

    Returns the response and how long it took.
    """
    outcome = {}

    def run():
        started = time.monotonic()
        try:
            outcome["response"] = request()
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc
        finally:
            outcome["elapsed"] = time.monotonic() - started
            connections.close_all()  # this thread's own database connection

    thread = threading.Thread(target=run, name="web-request", daemon=True)
    thread.start()
    # A little beyond the bound, so an overrun is measured and reported, not just cut off.
    thread.join(timeout=seconds + 5)
    if thread.is_alive():
        pytest.fail(f"the request was still running after {seconds + 5:.0f} s: the broker hung it")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["response"], outcome["elapsed"]


def invite_colleague(client, organisation):
    """POST the invite form as the signed-in org admin; return the response and its duration."""
    return bounded(
        lambda: client.post(
            reverse("organisations:invite", args=[organisation.slug]),
            {"email": INVITEE, "roles": ["member", "approver"]},
        ),
        seconds=REQUEST_BOUND_SECONDS,
    )


def assert_saved_and_pending(response, elapsed, organisation):
    assert elapsed < REQUEST_BOUND_SECONDS, f"the request took {elapsed:.1f} s"
    print(f"invite POST returned in {elapsed:.1f} s")
    assert response.status_code == 302
    assert response["Location"] == reverse("organisations:detail", args=[organisation.slug])

    invitation = Invitation.objects.get(organisation=organisation, email=INVITEE)
    assert invitation.is_approver and invitation.accepted_at is None
    email = Email.objects.get(to=INVITEE)
    assert email.sent_at is None
    outbox = OutboxTask.objects.get(task_name="notifications.send_email")
    assert outbox.kwargs == {"email_id": email.pk}
    assert outbox.completed_at is None
    assert outbox.dispatched_at is None  # so the redispatch task picks it up at once
    assert outbox.dispatch_attempts == 1
    assert outbox.last_error != ""
    assert mail.outbox == []
    return email, outbox


def redispatch_to_real_broker(redis_url, email, outbox):
    """Redis is back: the periodic redispatch hands the row to a real worker, which sends it."""
    with running_worker(redis_url):
        redispatch.delay()
        wait_for(
            lambda: Email.objects.filter(pk=email.pk, sent_at__isnull=False).exists(),
            timeout=30,
            what="the worker to send the invitation e-mail",
        )
        wait_for(
            lambda: OutboxTask.objects.filter(pk=outbox.pk, completed_at__isnull=False).exists(),
            timeout=10,
            what="the outbox row to be marked completed",
        )

    assert [m.to for m in mail.outbox] == [[INVITEE]]
    assert "invited" in mail.outbox[0].subject
    email.refresh_from_db()
    assert email.attempts == 1


def test_invite_saves_and_returns_when_broker_hangs(
    org_a, admin_a, client_for, hung_redis_url, redis_url
):
    client = client_for(admin_a)
    with celery_broker(hung_redis_url, eager=False):
        response, elapsed = invite_colleague(client, org_a)
    email, outbox = assert_saved_and_pending(response, elapsed, org_a)
    assert "imeout" in outbox.last_error or "timed out" in outbox.last_error

    redispatch_to_real_broker(redis_url, email, outbox)


def test_invite_saves_and_returns_when_broker_is_down(
    org_a, admin_a, client_for, down_redis_url, redis_url
):
    client = client_for(admin_a)
    with celery_broker(down_redis_url, eager=False):
        response, elapsed = invite_colleague(client, org_a)
    email, outbox = assert_saved_and_pending(response, elapsed, org_a)
    assert "refused" in outbox.last_error.lower() or "connect" in outbox.last_error.lower()

    redispatch_to_real_broker(redis_url, email, outbox)


def test_health_check_reports_hung_broker_within_bound(hung_redis_url):
    with celery_broker(hung_redis_url, eager=False):
        response, elapsed = bounded(
            lambda: Client().get(reverse("healthz")), seconds=REQUEST_BOUND_SECONDS
        )
    assert elapsed < REQUEST_BOUND_SECONDS, f"/healthz took {elapsed:.1f} s"
    assert response.status_code == 503
    assert response.json()["broker"] == "unreachable"
    assert response.json()["database"] == "ok"
