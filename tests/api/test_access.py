"""Every endpoint keeps the pages' rules: anonymous 401, outsiders 404 on a proposal or an
agreement they may not see, read-only tokens 403 on writes, and writes audited under the
token's name."""

import pytest
from django.urls import reverse

from api.models import ApiWrite
from sharing_requests.models import Proposal

READS = ["proposal-detail", "proposal-rounds"]
# Writes on a proposal, with a body the form would accept if the caller were allowed.
WRITES = [
    ("patch", "proposal-page", {"page": "purpose"}, {"problem": "Falls"}),
    ("patch", "proposal-vision", {}, {"need": "are at risk"}),
    ("post", "proposal-item", {"kind": "outcome"}, {"description": "x", "measure": "y"}),
    ("put", "proposal-screening", {}, {"indicators": ["none"]}),
    ("put", "proposal-section", {"section": "purpose"}, {"completed": "no"}),
    ("post", "proposal-submit", {}, {}),
    ("post", "proposal-votes", {}, {"vote": "approve"}),
    ("post", "proposal-decide", {"organisation": "bradford-park"}, {"status": "approved"}),
]


def _url(name, proposal, **kwargs):
    return reverse(f"api:{name}", kwargs={"reference": proposal.reference, **kwargs})


@pytest.mark.django_db
def test_anonymous_gets_401_everywhere(api, proposal):
    client = api()
    for name in READS:
        assert client.get(_url(name, proposal)).status_code == 401
    for name in ("api:proposals", "api:agreements", "api:register", "api:organisations"):
        assert client.get(reverse(name)).status_code == 401
    for method, name, kwargs, body in WRITES:
        name = name.replace("proposal-votes", "proposal-vote")
        response = getattr(client, method)(_url(name, proposal, **kwargs), body, format="json")
        assert response.status_code == 401, name
    assert client.get(reverse("api:awaiting")).status_code == 401


@pytest.mark.django_db
def test_outsider_gets_404_for_a_proposal_and_everything_under_it(api, proposal, outsider):
    client = api(outsider)
    for name in READS:
        assert client.get(_url(name, proposal)).status_code == 404
    for method, name, kwargs, body in WRITES:
        name = name.replace("proposal-votes", "proposal-vote")
        response = getattr(client, method)(_url(name, proposal, **kwargs), body, format="json")
        assert response.status_code == 404, name
    assert client.get(reverse("api:proposals")).json()["results"] == []
    unchanged = Proposal.objects.get(pk=proposal.pk)
    assert unchanged.problem == "" and ApiWrite.objects.count() == 0


@pytest.mark.django_db
def test_a_read_only_token_gets_403_on_every_write(api, proposal, member_a):
    client = api(member_a, scope="read")
    assert client.get(_url("proposal-detail", proposal)).status_code == 200
    for method, name, kwargs, body in WRITES:
        name = name.replace("proposal-votes", "proposal-vote")
        response = getattr(client, method)(_url(name, proposal, **kwargs), body, format="json")
        assert response.status_code == 403, name
    assert Proposal.objects.get(pk=proposal.pk).problem == ""


@pytest.mark.django_db
def test_a_party_that_may_not_edit_gets_403_and_the_pages_message(api, proposal, approver_b):
    client = api(approver_b)
    assert client.get(_url("proposal-detail", proposal)).status_code == 200
    response = client.patch(
        _url("proposal-page", proposal, page="purpose"), {"problem": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json()["detail"] == (
        "Only members of the lead organisation can change this proposal."
    )


@pytest.mark.django_db
def test_a_write_is_saved_through_the_service_and_audited_with_the_token_name(
    api, proposal, member_a
):
    response = api(member_a).patch(
        _url("proposal-page", proposal, page="purpose"),
        {"problem": "People fall at home", "benefits": "Fewer falls"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["answers"]["problem"] == "People fall at home"
    proposal.refresh_from_db()
    assert proposal.problem == "People fall at home"
    assert proposal.history.first().history_change_reason == "isf.proposal.purpose_saved"
    write = ApiWrite.objects.get()
    assert (write.token_name, write.user, write.action, write.target) == (
        "Case system",
        member_a,
        "page_purpose",
        proposal.reference,
    )


@pytest.mark.django_db
def test_validation_errors_are_the_forms_messages_by_field(api, proposal, member_a):
    response = api(member_a).patch(
        _url("proposal-page", proposal, page="purpose"),
        {"title": "", "nonsense": 1},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"nonsense": ["This is not a field of this form"]}
    response = api(member_a).patch(
        _url("proposal-page", proposal, page="purpose"), {"title": ""}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["title"] == ["Enter a title for the proposal"]


@pytest.mark.django_db
def test_details_have_an_etag_and_answer_304_when_unchanged(api, proposal, member_a):
    client = api(member_a)
    first = client.get(_url("proposal-detail", proposal))
    etag = first["ETag"]
    again = client.get(_url("proposal-detail", proposal), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    body = {"problem": "x", "benefits": "y"}
    client.patch(_url("proposal-page", proposal, page="purpose"), body, format="json")
    changed = client.get(_url("proposal-detail", proposal), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


@pytest.mark.django_db
def test_list_filters_by_status_and_organisation(api, proposal, member_a):
    client = api(member_a)
    rows = client.get(reverse("api:proposals"), {"status": "draft"}).json()["results"]
    assert [r["reference"] for r in rows] == [proposal.reference]
    assert client.get(reverse("api:proposals"), {"status": "approved"}).json()["results"] == []
    rows = client.get(reverse("api:proposals"), {"organisation": "bradford-park"}).json()
    assert [r["reference"] for r in rows["results"]] == [proposal.reference]
    assert client.get(reverse("api:proposals"), {"organisation": "nowhere"}).json()["results"] == []


@pytest.mark.django_db
def test_revoked_and_expired_tokens_are_refused(proposal, member_a):
    from rest_framework.test import APIClient

    from api.tokens import token_create, token_revoke

    token, raw = token_create(user=member_a, name="Old", days=1, scope="read", by=member_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get(reverse("api:proposals")).status_code == 200
    token_revoke(token=token, by=member_a)
    assert client.get(reverse("api:proposals")).status_code == 401
    client.credentials(HTTP_AUTHORIZATION="Bearer isf_nothing_here")
    assert client.get(reverse("api:proposals")).status_code == 401


@pytest.mark.django_db
def test_lists_take_a_constant_number_of_queries(
    api, proposal, member_a, org_a, org_b, django_assert_max_num_queries
):
    from sharing_requests import services

    for n in range(5):
        services.proposal_create(lead_organisation=org_a, title=f"More {n}", by=member_a)
    client = api(member_a)
    with django_assert_max_num_queries(8):
        rows = client.get(reverse("api:proposals")).json()["results"]
    assert len(rows) == 6
    with django_assert_max_num_queries(8):
        client.get(reverse("api:register"))
