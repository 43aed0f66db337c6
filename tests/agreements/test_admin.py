"""Django admin: the clause library raises a clause's version on every change of its title
or wording; agreements and sealing certificates are read-only there."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.models import ClauseTemplate, SealingCertificate
from tests.agreements.register_builders import make_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def clause(db):
    return ClauseTemplate.objects.create(
        key="register-test-breaches",
        title="Breaches",
        body="Tell the other parties within 24 hours.",
        order=90,
    )


@pytest.fixture
def admin_client(client_for, staff_user):
    return client_for(staff_user)


def change(admin_client, clause, **fields):
    data = {"title": clause.title, "body": clause.body, "order": clause.order, **fields}
    response = admin_client.post(
        reverse("admin:agreements_clausetemplate_change", args=[clause.pk]), data
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    clause.refresh_from_db()
    return clause


def test_a_new_clause_starts_at_version_1(admin_client):
    response = admin_client.post(
        reverse("admin:agreements_clausetemplate_add"),
        {"key": "register-test-new", "title": "New", "body": "Wording.", "order": 1},
    )
    assert response.status_code == 302
    clause = ClauseTemplate.objects.get(key="register-test-new")
    assert clause.version == 1
    assert clause.history.first().history_change_reason == "isf.clause.created"


def test_changing_the_wording_raises_the_version(admin_client, clause, staff_user):
    change(admin_client, clause, body="Tell the other parties within 12 hours.")
    assert clause.version == 2
    change(admin_client, clause, title="Personal data breaches")
    assert clause.version == 3
    latest = clause.history.first()
    assert latest.history_change_reason == "isf.clause.new_version"
    assert latest.history_user == staff_user
    assert latest.version == 3


def test_changing_only_the_order_keeps_the_version(admin_client, clause):
    change(admin_client, clause, order=5)
    assert clause.order == 5 and clause.version == 1
    assert clause.history.first().history_change_reason == "isf.clause.changed"


def test_the_version_cannot_be_set_by_hand(admin_client, clause):
    change(admin_client, clause, body="Different.", version=99)
    assert clause.version == 2


def test_a_clause_key_does_not_change_once_made(admin_client, clause):
    change(admin_client, clause, key="something-else", body="New words.")
    assert clause.key == "register-test-breaches"


def test_agreements_are_read_only_in_admin(admin_client, org_a, org_b):
    agreement = make_agreement(org_a, org_b, title="Falls prevention referrals")
    listing = admin_client.get(reverse("admin:agreements_agreement_changelist"))
    assert listing.status_code == 200
    assert agreement.reference in listing.content.decode()
    page = admin_client.get(reverse("admin:agreements_agreement_change", args=[agreement.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Bradford Park NHS Trust" in body  # its parties inline
    assert 'name="_save"' not in body
    response = admin_client.post(
        reverse("admin:agreements_agreement_change", args=[agreement.pk]), {"title": "Changed"}
    )
    assert response.status_code == 403
    agreement.refresh_from_db()
    assert agreement.title == "Falls prevention referrals"
    assert admin_client.get(reverse("admin:agreements_agreement_add")).status_code == 403
    assert (
        admin_client.get(
            reverse("admin:agreements_agreement_delete", args=[agreement.pk])
        ).status_code
        == 403
    )


def test_sealing_certificates_are_kept_and_read_only(admin_client):
    now = timezone.now()
    certificate = SealingCertificate.objects.create(
        subject="CN=ISF Portal test seal",
        certificate_pem="-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----",
        fingerprint_sha256="ab" * 32,
        not_before=now,
        not_after=now + datetime.timedelta(days=365),
        is_current=True,
    )
    assert (
        admin_client.get(reverse("admin:agreements_sealingcertificate_changelist")).status_code
        == 200
    )
    page = admin_client.get(
        reverse("admin:agreements_sealingcertificate_change", args=[certificate.pk])
    )
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert admin_client.get(reverse("admin:agreements_sealingcertificate_add")).status_code == 403
    assert (
        admin_client.get(
            reverse("admin:agreements_sealingcertificate_delete", args=[certificate.pk])
        ).status_code
        == 403
    )


def test_partners_cannot_reach_the_admin(client_for, member_a):
    response = client_for(member_a).get(reverse("admin:agreements_clausetemplate_changelist"))
    assert response.status_code == 302  # to the admin's sign-in


def test_the_termination_clause_sets_the_notice_period_as_a_new_version(admin_client):
    clause = ClauseTemplate.objects.get(key="termination")
    before = clause.version
    change(admin_client, clause, notice_days=45)
    assert clause.notice_days == 45 and clause.version == before + 1
