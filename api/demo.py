"""Demo API tokens and webhooks, so the account page, an organisation admin's service tokens
and the webhooks page (with its delivery log) have something to show. Salford's admin, Aisha
Khan, sees all of it:

- a personal token of hers and a service token of Salford (its service account a member
  only), made through the token services; their secrets are thrown away, as a page forgets
  them once shown;
- two webhook endpoints of Salford, marked as the demo's (`demo`: nothing is ever sent to
  them, and their addresses are on the reserved .example domain): one healthy, whose
  deliveries went through (one after a retry), one paused after its deliveries kept failing.
  Their log is written by the functions that record real tries (attempt_record,
  delivery_give_up, which also tells Salford's admins of the pause), then moved back in time.

Idempotent: a token of the same name, an endpoint of the same address, is left as it is.
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from agreements.models import Agreement
from isf_portal.domain import audit
from organisations.models import Organisation, User
from sharing_requests.models import Proposal

from .models import ApiToken, TokenScope, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .tokens import service_token_create, token_create
from .webhook_delivery import attempt_record, delivery_give_up
from .webhooks import AGREEMENT, PROPOSAL, delivery_new, new_secret

ORGANISATION = "salford"
ADMIN = "aisha.khan@salford.example"
# Tokens' names (their secrets are made, and thrown away, by the token services).
PERSONAL_TOKEN = "Salford information asset register"  # noqa: S105
SERVICE_TOKEN = "Salford case system"  # noqa: S105
HEALTHY_URL = "https://hooks.salford.example/isf"
FAILING_URL = "https://iar.salford.example/webhooks/isf"


@transaction.atomic
def seed() -> int:
    """Add what is missing; return how many tokens and endpoints were made."""
    organisation = Organisation.objects.get(slug=ORGANISATION)
    admin = User.objects.get(email=ADMIN)
    now = timezone.now()
    made = 0
    if not ApiToken.objects.filter(user=admin, organisation=None, name=PERSONAL_TOKEN).exists():
        token, _secret = token_create(
            user=admin, name=PERSONAL_TOKEN, days=180, scope=TokenScope.READ, by=admin
        )
        _used(token, now - timedelta(hours=3))
        made += 1
    if not ApiToken.objects.filter(organisation=organisation, name=SERVICE_TOKEN).exists():
        token, _secret = service_token_create(
            organisation=organisation,
            name=SERVICE_TOKEN,
            roles=["member"],
            days=365,
            scope=TokenScope.WRITE,
            by=admin,
        )
        _used(token, now - timedelta(minutes=12))
        made += 1
    if not WebhookEndpoint.objects.filter(organisation=organisation, url=HEALTHY_URL).exists():
        _healthy_endpoint(organisation, admin, now)
        made += 1
    if not WebhookEndpoint.objects.filter(organisation=organisation, url=FAILING_URL).exists():
        _failing_endpoint(organisation, admin, now)
        made += 1
    return made


def _used(token: ApiToken, at) -> None:
    # Last use is bookkeeping the API writes with update() too (api/tokens.py token_find).
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)


def _endpoint(organisation, admin, url: str, events: list[str]) -> WebhookEndpoint:
    # Not endpoint_create: its address check would (rightly) refuse a host that does not exist.
    endpoint = WebhookEndpoint(
        organisation=organisation,
        url=url,
        events=events,
        secret=new_secret(),
        created_by=admin,
        demo=True,
    )
    audit(endpoint, reason="isf.demo.webhook", by=admin)
    endpoint.save()
    return endpoint


# The subject's status when each event happened (its payload names it as it was then).
STATUS_THEN = {
    "proposal.submitted": "in_review",
    "decision.needed": "in_review",
    "agreement.ready_to_sign": "awaiting_signatures",
    "agreement.active": "active",
    "agreement.review_due": "active",
}


def _log(endpoint, event: str, data: dict, *, at, answers) -> WebhookDelivery:
    """A delivery sent at `at`, tried once per answer (a status code, or an error for no
    answer), each retry after the task's growing wait; recorded by the real functions."""
    data = {**data, "status": STATUS_THEN[event]}
    delivery = delivery_new(endpoint=endpoint, event=event, data=data)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=at, queued_at=at, payload={**delivery.payload, "timestamp": at.isoformat()}
    )
    delivery.refresh_from_db()
    tried_at = at
    for number, answer in enumerate(answers):
        if number:
            tried_at += timedelta(seconds=settings.WEBHOOK_RETRY_SECONDS * 2 ** (number - 1))
        code, error = (answer, "") if isinstance(answer, int) else (None, answer)
        attempt_record(delivery=delivery, status_code=code, error=error)
        WebhookAttempt.objects.filter(pk=delivery.attempts.last().pk).update(
            at=tried_at + timedelta(milliseconds=300)
        )
    return delivery


def _healthy_endpoint(organisation, admin, now) -> None:
    proposals = list(
        Proposal.objects.filter(participants__organisation=organisation).order_by("pk")[:2]
    )
    agreements = list(Agreement.objects.filter(parties__organisation=organisation).order_by("pk"))
    endpoint = _endpoint(
        organisation,
        admin,
        HEALTHY_URL,
        ["proposal.submitted", "decision.needed", "agreement.ready_to_sign", "agreement.active"],
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(created_at=now - timedelta(days=30))
    day = timedelta(days=1)
    for number, proposal in enumerate(proposals):
        at = now - (12 - 5 * number) * day
        _log(endpoint, "proposal.submitted", PROPOSAL.data(proposal), at=at, answers=[204])
        # A gateway hiccup: the first try is answered 503, the retry goes through.
        answers = [503, 204] if number == 0 else [204]
        _log(endpoint, "decision.needed", PROPOSAL.data(proposal), at=at, answers=answers)
    for number, agreement in enumerate(agreements[:2]):
        event = "agreement.ready_to_sign" if number == 0 else "agreement.active"
        at = now - (2 - number) * day + timedelta(hours=3)
        _log(endpoint, event, AGREEMENT.data(agreement), at=at, answers=[200])


def _failing_endpoint(organisation, admin, now) -> None:
    """Every delivery fails until WEBHOOK_PAUSE_AFTER in a row have been given up: paused."""
    agreements = list(Agreement.objects.filter(parties__organisation=organisation).order_by("-pk"))
    endpoint = _endpoint(
        organisation, admin, FAILING_URL, ["agreement.review_due", "agreement.terminated"]
    )
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(created_at=now - timedelta(days=20))
    if not agreements:
        return
    tries = settings.WEBHOOK_MAX_ATTEMPTS
    refused = "ConnectionRefusedError: [Errno 111] Connection refused"
    for number in range(settings.WEBHOOK_PAUSE_AFTER):
        agreement = agreements[number % len(agreements)]
        at = now - timedelta(hours=2 * (settings.WEBHOOK_PAUSE_AFTER - number) + 1)
        answers = [502 if attempt % 2 else refused for attempt in range(tries)]
        delivery = _log(
            endpoint, "agreement.review_due", AGREEMENT.data(agreement), at=at, answers=answers
        )
        delivery_give_up(delivery_id=delivery.pk)
