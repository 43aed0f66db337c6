"""After a variation (issue #12 item 9): the proposal says why it is back with its authors
instead of a bare "Changes requested" beside "Review round 1: approved", and the proposal and
its agreement link to each other."""

import pytest
from django.urls import reverse

from agreements import consents, lifecycle
from agreements.models import Agreement, AgreementStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied(agreement, governance_a, governance_b) -> Agreement:
    """The generated agreement, in force (signing is tested elsewhere), varied by both
    parties."""
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ACTIVE)
    agreement.refresh_from_db()
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    consent = lifecycle.agreement_review_vary(
        review=review, by=governance_a, reason="Add the ambulance service as a recipient."
    )
    (party,) = consents.answerable_parties(consent, governance_b)
    consents.consent_answer(consent=consent, party=party, by=governance_b, agreed=True)
    return agreement


def test_a_varied_proposal_says_why_and_links_to_its_agreement(client_for, varied, member_a):
    page = client_for(member_a).get(reverse("requests:detail", args=[varied.proposal.reference]))
    text = page.content.decode()
    assert "The proposal was approved, then sent back for a new version:" in text
    assert "Add the ambulance service as a recipient." in text
    assert "Review round 1: approved." not in text
    assert "Review round 1 approved the version before" in text
    assert reverse("agreements:detail", args=[varied.reference]) in text


def test_an_approved_proposal_links_to_its_agreement_and_back(client_for, agreement, member_a):
    client = client_for(member_a)
    proposal_page = client.get(reverse("requests:detail", args=[agreement.proposal.reference]))
    assert (
        reverse("agreements:detail", args=[agreement.reference]) in proposal_page.content.decode()
    )
    proposal_url = reverse("requests:detail", args=[agreement.proposal.reference])
    for name in ("agreements:detail", "agreements:lifecycle"):
        page = client.get(reverse(name, args=[agreement.reference]))
        assert f'href="{proposal_url}"' in page.content.decode()
