"""The agreement page's reads compiled once per connection (isf_portal/compiled.py): the
same agreement, grants, timeline and consents as the ORM's querysets give, the same 404 for
outsiders, each visit its own agreement's rows, and the page's queries pinned."""

import pytest
from django.db import connection
from django.db.models import F
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agreements import consents, sealing
from agreements.lifecycle.common import timeline
from agreements.models import Agreement, AgreementDownload, AgreementEvent
from agreements.permissions import Action, agreement_for, agreement_grant_parties, may
from agreements.views.agreement import _AGREEMENT

from .test_agreement_views import AGREEMENT_PAGE_QUERIES
from .test_sealing import sign_all

pytestmark = pytest.mark.django_db


def _request(rf, user):
    request = rf.get("/")
    request.user = user
    return request


def _found(request, reference, **how):
    agreement = agreement_for(request, reference, **how)
    return (
        agreement.pk,
        agreement.reference,
        agreement.proposal_reference,
        [may(request, action, agreement) for action in Action],
    )


@pytest.mark.parametrize("who", ["member_a", "governance_a", "signatory_b", "steering_member"])
def test_the_compiled_read_finds_what_the_queryset_finds(rf, request, agreement, who):
    user = request.getfixturevalue(who)
    queryset = Agreement.objects.annotate(proposal_reference=F("proposal__reference"))
    ref = agreement.reference
    compiled = _found(_request(rf, user), ref, read=_AGREEMENT)
    assert compiled == _found(_request(rf, user), ref, queryset=queryset)
    assert compiled[2] == agreement.proposal.reference


def test_outsiders_and_unknown_references_are_404_through_the_compiled_read(
    rf, agreement, outsider, member_a
):
    with pytest.raises(Http404):
        agreement_for(_request(rf, outsider), agreement.reference, read=_AGREEMENT)
    with pytest.raises(Http404):
        agreement_for(_request(rf, member_a), "DSA-1999-9999", read=_AGREEMENT)


def test_the_timeline_is_the_one_the_orm_reads(
    agreement, client_for, governance_a, signatory_a, signatory_b, password
):
    sign_all(agreement, [signatory_a, signatory_b], password)
    sealing.agreement_seal(agreement_id=agreement.pk)
    client = client_for(governance_a)
    for _ in range(2):
        b"".join(client.get(reverse("agreements:download", args=[agreement.reference, "signed"])))
    rows = timeline(agreement, downloads=True)
    events = AgreementEvent.objects.filter(agreement=agreement).select_related("actor")
    downloads = AgreementDownload.objects.filter(agreement=agreement)
    assert len(rows) == events.count() + downloads.count() == len(timeline(agreement)) + 2
    assert [r.created_at for r in rows] == sorted((r.created_at for r in rows), reverse=True)
    assert {(e.description, e.actor.full_name if e.actor else None) for e in events} <= {
        (r.description, r.actor.full_name if r.actor else None) for r in rows
    }
    assert all(r.agreement is agreement for r in timeline(agreement))
    assert len(timeline(agreement, limit=1)) == 1


def test_no_pending_consents_on_a_new_agreement(agreement, member_a):
    assert consents.pending_for_page(agreement, member_a) == []


def test_each_visit_shows_its_own_agreement(agreement, client_for, member_a, steering_member):
    """Two agreements read in turn on one connection: each page its own rows."""
    other = Agreement.objects.get(pk=agreement.pk)
    other.pk, other.version_id = None, None
    other.reference = agreement.reference + "X"
    other._state.adding = True
    Agreement.objects.bulk_create([other])
    other = Agreement.objects.get(reference=other.reference)
    agreement_grant_parties(agreement=other)  # the steering group's grant (it has no parties)
    client = client_for(steering_member)
    first = client.get(reverse("agreements:detail", args=[agreement.reference])).content.decode()
    second = client.get(reverse("agreements:detail", args=[other.reference])).content.decode()
    again = client.get(reverse("agreements:detail", args=[agreement.reference])).content.decode()
    assert agreement.proposal.reference in first
    assert "Waiting" in first  # its parties' signatures
    assert first.count(other.reference) == 0 and second.count(other.reference) > 0
    # The member of a party sees the same agreement's page; the copy is no party's.
    assert (
        client_for(member_a).get(reverse("agreements:detail", args=[other.reference])).status_code
        == 404
    )
    assert _strip(first) == _strip(again)


def _strip(page: str) -> str:
    import re

    return re.sub(r'(nonce|value|token)="[^"]*"', "", page)


@pytest.mark.parametrize("who", ["member_a", "steering_member"])
def test_the_page_queries_are_pinned_for_a_party_and_a_non_party(
    agreement, client_for, request, who
):
    client = client_for(request.getfixturevalue(who))
    page = reverse("agreements:detail", args=[agreement.reference])
    assert client.get(page).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        assert client.get(page).status_code == 200
    # Awaiting signatures (what this viewer owes is read): one more than the sealed page of
    # test_agreement_views; SQLite has no arrays, so the user's grants are a query there.
    expected = AGREEMENT_PAGE_QUERIES + 1 + (connection.vendor != "postgresql")
    assert len(queries) == expected
