"""Submitting redirects to a confirmation page (post/redirect/get, issue 12 item 3): refreshing
it shows the same confirmation and changes nothing; outsiders cannot see it."""

import pytest
from django.test import Client, override_settings

from outbox.models import OutboxTask
from sharing_requests.choices import ProposalStatus

from .conftest import fresh, url

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_submitting_redirects_to_the_confirmation(complete_proposal, member_a):
    response = browser(member_a).post(url("submit", complete_proposal))

    assert response.status_code == 302
    assert response.url == url("submitted", complete_proposal)
    assert fresh(complete_proposal).status == ProposalStatus.IN_REVIEW


def test_the_confirmation_shows_the_reference_and_refreshing_it_changes_nothing(
    complete_proposal, member_a
):
    lead = browser(member_a)
    lead.post(url("submit", complete_proposal))
    state = (
        fresh(complete_proposal).status,
        complete_proposal.versions.count(),
        complete_proposal.history.count(),
        OutboxTask.objects.count(),
    )

    pages = [lead.get(url("submitted", complete_proposal)) for _ in range(2)]

    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert "Proposal submitted" in html
        assert complete_proposal.reference in html
        assert "Version 1 of the proposal is now in review" in html
        assert "the steering group votes" in html
        assert "cannot be changed now" not in html
    main = [page.content.decode().split("<main", 1)[1].split("</main>", 1)[0] for page in pages]
    assert main[0] == main[1]
    after = (
        fresh(complete_proposal).status,
        complete_proposal.versions.count(),
        complete_proposal.history.count(),
        OutboxTask.objects.count(),
    )
    assert after == state


@override_settings(REVIEW_RULE={"steering_vote_required": False})
def test_the_confirmation_shows_the_rule_without_a_steering_vote(complete_proposal, member_a):
    lead = browser(member_a)
    html = lead.get(lead.post(url("submit", complete_proposal)).url).content.decode()

    assert "Each organisation taking part decides on it through its approver." in html
    assert "steering group votes" not in html


def test_a_partner_taking_part_sees_the_confirmation(complete_proposal, member_a, partner_b):
    browser(member_a).post(url("submit", complete_proposal))

    page = browser(partner_b).get(url("submitted", complete_proposal))

    assert page.status_code == 200
    assert complete_proposal.reference in page.content.decode()


def test_an_outsider_gets_404_on_the_confirmation(complete_proposal, member_a, outsider):
    browser(member_a).post(url("submit", complete_proposal))

    assert browser(outsider).get(url("submitted", complete_proposal)).status_code == 404


def test_a_proposal_never_submitted_has_no_confirmation(complete_proposal, member_a):
    assert browser(member_a).get(url("submitted", complete_proposal)).status_code == 404
