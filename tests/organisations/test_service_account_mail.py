"""No e-mail ever goes to an API service account (api/tokens.py gives them addresses on the
undeliverable .invalid domain): notifications/services.email_send leaves them out, and the
organisation's mailbox still gets the copy it was sent."""

import datetime

import pytest
from django.db.models import Q

from agreements import lifecycle
from api.models import TokenScope
from api.tokens import service_token_create
from isf_portal.domain import SERVICE_ACCOUNT_DOMAIN
from notifications.models import Email, Notification
from notifications.services import deliverable, email_send
from organisations.models import Role
from tests.agreements.register_builders import make_agreement

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def service_account(org_b, admin_b):
    token, _secret = service_token_create(
        organisation=org_b,
        name="Case system",
        roles=[Role.GOVERNANCE_OFFICER],
        days=30,
        scope=TokenScope.READ,
        by=admin_b,
    )
    return token.user


def mail_to(address):
    return Email.objects.filter(Q(to__iexact=address) | Q(cc__icontains=address))


def test_an_event_telling_the_organisations_officers_sends_the_service_account_nothing(
    service_account, governance_b, org_a, org_b, governance_a
):
    assert service_account.email.endswith(f"@{org_b.slug}.{SERVICE_ACCOUNT_DOMAIN}")
    org_b.ig_mailbox = "ig@bpnt.example"
    org_b.save(update_fields=["ig_mailbox"])
    agreement = make_agreement(org_a, org_b, start=D(2025, 6, 1), review=D(2099, 1, 1))
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    lifecycle.agreement_review_terminate(
        review=review, by=governance_a, reason="The service closed.", end_date=D(2098, 1, 1)
    )
    # It was among those told (an in-portal notice), but no e-mail went to its address ...
    assert Notification.objects.filter(user=service_account, title__contains="proposes").exists()
    assert not mail_to(service_account.email).exists()
    # ... while the person beside it hears, with the mailbox copied, and the mailbox still
    # gets the copy that went with the service account's notice.
    person = Email.objects.get(recipient=governance_b, subject__contains="proposes")
    assert person.cc == ["ig@bpnt.example"]
    copy = Email.objects.get(recipient=service_account, subject__contains="proposes")
    assert copy.to == "ig@bpnt.example" and copy.cc == []


def test_an_undeliverable_address_with_nobody_copied_queues_nothing():
    sent = email_send(
        to="service-0a1b2c@ardwick.service.invalid",
        cc=["", "other@x.service.invalid"],
        subject="A test e-mail",
        template="password_reset",
        context={"user": None, "reset_url": "https://portal.example/reset/"},
    )
    assert sent is None
    assert not Email.objects.exists()


@pytest.mark.parametrize(
    "address, expected",
    [
        ("someone@example.org", True),
        ("service-1@ardwick.service.invalid", False),
        ("SERVICE-1@Ardwick.Service.INVALID.", False),
        ("", False),
        (None, False),
    ],
)
def test_deliverable(address, expected):
    assert deliverable(address) is expected


def test_the_address_a_service_account_gets_is_the_one_mail_leaves_out(
    service_account, org_b, admin_b, monkeypatch
):
    # One rule in isf_portal.domain: change the domain there and both sides follow it.
    assert not deliverable(service_account.email)
    monkeypatch.setattr("isf_portal.domain.SERVICE_ACCOUNT_DOMAIN", "robots.invalid")
    robot, _secret = service_token_create(
        organisation=org_b,
        name="Another system",
        roles=[Role.MEMBER],
        days=30,
        scope=TokenScope.READ,
        by=admin_b,
    )
    assert robot.user.email.endswith(f"@{org_b.slug}.robots.invalid")
    assert not deliverable(robot.user.email)
    assert deliverable(service_account.email)  # the old domain is nobody's now
