"""Who may see the review pages and act on them: outsiders get 404, people who may see but
not act get 403, anonymous visitors are sent to sign in."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organisations.services import membership_remove
from sharing_requests.models import DecisionStatus
from tests.factories import membership
from tests.workflow.conftest import build_proposal, current_round, url

STEERING_LIST = reverse("requests:steering-reviews")
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def targets(in_review, org_b):
    decision = current_round(in_review).decisions.get(organisation=org_b)
    return {
        "review": url("review", in_review),
        "decide": url("decide", in_review, decision.pk),
        "vote": url("vote", in_review),
    }


def test_anonymous_visitors_are_sent_to_sign_in(client, targets):
    login = resolve_url(settings.LOGIN_URL)
    for response in (
        client.get(targets["review"]),
        client.post(targets["decide"], {}),
        client.post(targets["vote"], {}),
        client.get(STEERING_LIST),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(login)


def test_an_outsider_gets_404_everywhere(targets, outsider, client_for):
    client = client_for(outsider)
    assert client.get(targets["review"]).status_code == 404
    assert client.post(targets["decide"], {}).status_code == 404
    assert client.post(targets["vote"], {}).status_code == 404
    assert client.get(STEERING_LIST).status_code == 404


def test_a_member_who_is_not_an_approver_sees_the_review_but_cannot_decide(
    wf, in_review, org_b, targets, member_b, client_for
):
    client = client_for(member_b)
    page = client.get(targets["review"])
    assert page.status_code == 200
    assert "Decide for" not in page.content.decode()

    response = client.post(targets["decide"], {})
    assert response.status_code == 403
    assert wf.decision(in_review, org_b).status == DecisionStatus.PENDING
    # Not on the steering group: no vote, no steering list.
    assert client.post(targets["vote"], {"vote-vote": "approve"}).status_code == 403
    assert client.get(STEERING_LIST).status_code == 404


def test_an_approver_of_another_organisation_cannot_decide_for_this_one(
    wf, in_review, org_b, targets, approver_a, client_for
):
    prefix = targets["decide"].rstrip("/").rsplit("/", 1)[1]
    response = client_for(approver_a).post(targets["decide"], {f"d{prefix}-status": "approved"})
    assert response.status_code == 403
    assert wf.decision(in_review, org_b).status == DecisionStatus.PENDING


def test_a_decision_of_another_proposal_is_not_found(
    wf, in_review, org_a, org_b, member_a, approver_b, client_for
):
    other = build_proposal(lead=org_a, partners=[org_b], by=member_a, title="Another one")
    wf.submit(other, by=member_a)
    decision = current_round(other).decisions.get(organisation=org_b)
    response = client_for(approver_b).post(
        url("decide", in_review, decision.pk), {f"d{decision.pk}-status": "approved"}
    )
    assert response.status_code == 404
    assert decision.__class__.objects.get(pk=decision.pk).status == DecisionStatus.PENDING


def test_deciding_and_voting_take_only_posts(targets, approver_b, steering_member, client_for):
    assert client_for(approver_b).get(targets["decide"]).status_code == 405
    assert client_for(steering_member).get(targets["vote"]).status_code == 405


def test_a_draft_has_no_review_page(complete_proposal, approver_b, steering_member, client_for):
    assert client_for(approver_b).get(url("review", complete_proposal)).status_code == 404
    assert client_for(steering_member).get(url("review", complete_proposal)).status_code == 404


def test_a_steering_member_sees_the_review_and_the_steering_list(
    targets, in_review, steering_member, client_for
):
    client = client_for(steering_member)
    assert client.get(targets["review"]).status_code == 200
    response = client.get(STEERING_LIST)
    assert response.status_code == 200
    assert in_review.reference in response.content.decode()


def test_removing_an_approver_from_their_organisation_removes_their_access(
    wf, in_review, org_b, targets, approver_b, admin_b, client_for
):
    membership_remove(membership=membership(approver_b, org_b), by=admin_b)
    client = client_for(approver_b)
    assert client.get(targets["review"]).status_code == 404
    assert client.post(targets["decide"], {}).status_code == 404
    assert wf.decision(in_review, org_b).status == DecisionStatus.PENDING


# --- The steering group's list --------------------------------------------------------------
def test_the_steering_list_shows_proposals_in_review_overdue_first_with_each_organisation(
    wf, org_a, org_b, member_a, approver_a, approver_b, steering_member, client_for
):
    older = build_proposal(lead=org_a, partners=[org_b], by=member_a, title="Older and overdue")
    newer = build_proposal(lead=org_a, partners=[org_b], by=member_a, title="Newer")
    draft = build_proposal(lead=org_a, partners=[org_b], by=member_a, title="Still a draft")
    with time_machine.travel(datetime(2027, 2, 1, 9, tzinfo=LONDON), tick=False):
        wf.submit(older, by=member_a)
        wf.decide(older, org_b, by=approver_b)
    with time_machine.travel(datetime(2027, 2, 22, 9, tzinfo=LONDON), tick=False):
        wf.submit(newer, by=member_a)
        client = client_for(steering_member)
        page = client.get(STEERING_LIST).content.decode()

    assert page.index("Older and overdue") < page.index("Newer")
    assert "Still a draft" not in page and draft.reference not in page
    older_row = page.split("Older and overdue", 1)[1].split("</tr>", 1)[0]
    assert "Overdue" in older_row
    assert "15 working days" in older_row
    assert "BPNT: approved" in older_row and "Ardwick: waiting for a decision" in older_row
    newer_row = page.split("Newer", 1)[1].split("</tr>", 1)[0]
    assert "Overdue" not in newer_row


def test_the_steering_list_takes_a_constant_number_of_queries(
    wf, org_a, org_b, member_a, approver_b, steering_member, client_for
):
    client = client_for(steering_member)

    def count():
        client.get(STEERING_LIST)  # warm: the session's renewal, the cached navigation
        with CaptureQueriesContext(connection) as captured:
            assert client.get(STEERING_LIST).status_code == 200
        return len(captured)

    first = build_proposal(lead=org_a, partners=[org_b], by=member_a, title="One")
    wf.submit(first, by=member_a)
    one = count()
    for title in ("Two", "Three"):
        p = build_proposal(lead=org_a, partners=[org_b], by=member_a, title=title)
        wf.submit(p, by=member_a)
        wf.decide(p, org_b, by=approver_b)
    assert count() == one
