"""Tokens on the account area: shown once, stored hashed, listed with last use, revocable;
service tokens only for an organisation's admins, with a service account that never holds
the approver's, signatory's or a steering seat."""

import hashlib

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from api.authentication import TokenRateThrottle
from api.models import ApiToken
from organisations.models import Membership


def _create(client, url, **data):
    response = client.post(url, {"name": "Asset register", "days": "30", "scope": "read", **data})
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_a_personal_token_is_shown_once_stored_hashed_and_works(client_for, member_a):
    client = client_for(member_a)
    response = _create(client, reverse("api-tokens:list"))
    raw = response.context["new_token"]
    token = ApiToken.objects.get(user=member_a)
    assert raw.startswith(f"isf_{token.prefix}_") and raw.encode() in response.content
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiToken.objects.values().get())  # only the digest is kept
    assert token.history.first().history_change_reason == "isf.api.token_created"
    again = client.get(reverse("api-tokens:list"))
    assert raw.encode() not in again.content and b"Never" in again.content

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get(reverse("api:proposals")).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    client.post(reverse("api-tokens:revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get(reverse("api:proposals")).status_code == 401


@pytest.mark.django_db
def test_a_token_lasts_at_most_a_year(client_for, member_a):
    response = client_for(member_a).post(
        reverse("api-tokens:list"), {"name": "Long", "days": "400", "scope": "read"}
    )
    assert response.status_code == 200 and not ApiToken.objects.exists()
    assert b"govuk-error-summary" in response.content


@pytest.mark.django_db
def test_someone_else_cannot_revoke_my_token(client_for, member_a, outsider):
    _create(client_for(member_a), reverse("api-tokens:list"))
    token = ApiToken.objects.get()
    response = client_for(outsider).post(reverse("api-tokens:revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.django_db
def test_an_admin_makes_a_service_token_with_chosen_roles_only(client_for, admin_a, org_a):
    url = reverse("api-tokens:service", args=[org_a.slug])
    client = client_for(admin_a)
    response = client.post(
        url, {"name": "Case system", "days": "30", "scope": "write", "roles": ["approver"]}
    )
    assert response.status_code == 200 and not ApiToken.objects.exists()
    _create(client, url, roles=["member", "governance_officer"], scope="write")
    token = ApiToken.objects.get()
    assert token.organisation == org_a and token.user != admin_a
    membership = Membership.objects.get(user=token.user)
    assert membership.organisation == org_a
    assert not (membership.is_approver or membership.is_signatory or membership.is_org_admin)
    assert membership.is_member and membership.is_governance_officer
    assert not token.user.has_usable_password()


@pytest.mark.django_db
def test_only_admins_reach_service_tokens(client_for, member_a, outsider, org_a):
    url = reverse("api-tokens:service", args=[org_a.slug])
    assert client_for(member_a).get(url).status_code == 403
    assert client_for(outsider).get(url).status_code == 404


@pytest.mark.django_db
def test_the_rate_limit_is_per_token(api, member_a, approver_b, monkeypatch):
    from django.core.cache import cache

    cache.clear()
    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "2/minute"})
    first, second = api(member_a), api(approver_b)
    assert [first.get(reverse("api:proposals")).status_code for _i in range(3)] == [200, 200, 429]
    assert second.get(reverse("api:proposals")).status_code == 200


@pytest.mark.django_db
def test_the_footer_links_the_tokens_page_for_people_signed_in(client, client_for, member_a):
    link = f'href="{reverse("api-tokens:list")}"'.encode()
    assert link not in client.get(reverse("accessibility")).content
    assert link in client_for(member_a).get(reverse("accessibility")).content
