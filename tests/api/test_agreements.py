"""Agreements, the register and organisations through the API: the parties read their
agreement (with the sealed PDF's hash and link), outsiders get 404 but see the register's row
without a link, and everyone signed in reads the organisations."""

import pytest
from django.urls import reverse

from agreements.generation import services as generation
from agreements.models import Agreement
from tests.agreements.proposal_builders import approve, build_proposal


@pytest.fixture
def agreement(org_a, org_b, member_a, approver_a, approver_b):
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a)
    version = approve(
        proposal, author=member_a, approvers={org_a.pk: approver_a, org_b.pk: approver_b}
    )
    generation.agreement_generate(version_id=version.pk)
    agreement = Agreement.objects.get(version=version)
    agreement.signed_sha256 = "ab" * 32
    agreement.signed_pdf.name = "agreements/signed/2026/x.pdf"
    agreement.save(update_fields=["signed_sha256", "signed_pdf"])
    return agreement


@pytest.mark.django_db
def test_a_party_reads_its_agreement_with_hash_link_and_etag(api, agreement, readonly_a):
    client = api(readonly_a, scope="read")
    url = reverse("api:agreement-detail", args=[agreement.reference])
    response = client.get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["signed_pdf_sha256"] == "ab" * 32
    assert body["download_url"].endswith(f"/agreements/{agreement.reference}/download/signed/")
    assert {p["organisation"] for p in body["parties"]} == {"ardwick", "bradford-park"}
    assert client.get(url, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    listed = client.get(reverse("api:agreements")).json()["results"]
    assert [a["reference"] for a in listed] == [agreement.reference]


@pytest.mark.django_db
def test_an_outsider_gets_404_but_sees_the_register_row_without_a_link(
    api, agreement, outsider, member_a
):
    client = api(outsider)
    detail = reverse("api:agreement-detail", args=[agreement.reference])
    assert client.get(detail).status_code == 404
    assert client.get(reverse("api:agreements")).json()["results"] == []
    # Still to be signed: the register shows it with `status=any` (active ones by default).
    rows = client.get(reverse("api:register"), {"status": "any"}).json()["results"]
    assert [(r["reference"], r["url"]) for r in rows] == [(agreement.reference, None)]
    mine = api(member_a).get(reverse("api:register"), {"status": "any"}).json()["results"]
    assert mine[0]["url"].endswith(f"/api/v1/agreements/{agreement.reference}/")


@pytest.mark.django_db
def test_the_register_filters_by_status_and_organisation(api, agreement, outsider):
    client = api(outsider)
    register = reverse("api:register")
    by_org = client.get(register, {"organisation": "bradford-park", "status": "any"}).json()
    assert [r["reference"] for r in by_org["results"]] == [agreement.reference]
    assert client.get(register, {"organisation": "collyhurst"}).json()["results"] == []
    assert client.get(register, {"organisation": "bradford-park"}).json()["results"] == []
    assert client.get(register, {"status": "terminated"}).json()["results"] == []
    bad = client.get(register, {"status": "nonsense"})
    assert bad.status_code == 400 and "status" in bad.json()["errors"]


@pytest.mark.django_db
def test_organisations_are_listed_for_anyone_with_a_token(api, org_a, org_b, outsider):
    client = api(outsider, scope="read")
    slugs = [o["slug"] for o in client.get(reverse("api:organisations")).json()["results"]]
    assert {"ardwick", "bradford-park", "collyhurst"} <= set(slugs)
    assert api().get(reverse("api:organisations")).status_code == 401
