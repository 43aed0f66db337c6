"""The review page and its forms: deciding and voting through the browser's requests, and
every illegal move answered with a clear message in a GOV.UK error summary, never a 500."""

import re

import pytest
from django.core import mail

from organisations.models import Role
from organisations.services import membership_set_roles
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import DecisionStatus, VoteChoice
from tests.factories import SteeringGroupMemberFactory, member_of, membership
from tests.workflow.conftest import current_round, fresh, url


def decide_url(proposal, organisation):
    decision = current_round(proposal).decisions.get(organisation=organisation)
    return url("decide", proposal, decision.pk), f"d{decision.pk}"


def post_decision(client, proposal, organisation, status="", comment="", sections=()):
    target, prefix = decide_url(proposal, organisation)
    data = {f"{prefix}-status": status, f"{prefix}-comment": comment}
    if sections:
        data[f"{prefix}-sections"] = list(sections)
    return client.post(target, data)


def post_vote(client, proposal, vote="", comment=""):
    return client.post(url("vote", proposal), {"vote-vote": vote, "vote-comment": comment})


def error_summary(response) -> str:
    """The text of the page's GOV.UK error summary ('' if it has none)."""
    html = response.content.decode()
    found = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>\s*</div>', html, re.S)
    return re.sub(r"<[^>]+>", " ", found.group(0)) if found else ""


def title(response) -> str:
    return re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1).strip()


# --- The page -------------------------------------------------------------------------------
def test_the_review_page_shows_the_frozen_proposal_decisions_and_timeline(
    wf, in_review, org_a, approver_a, approver_b, client_for
):
    wf.decide(in_review, org_a, by=approver_a, comment="Ardwick is content")

    response = client_for(approver_b).get(url("review", in_review))

    assert response.status_code == 200
    page = response.content.decode()
    assert "The proposal as submitted (version 1)" in page
    assert in_review.vision.text in page  # the vision statement, frozen
    assert "DPIA" in page  # the screening outcome
    assert "Ardwick is content" in page  # the other organisations' decisions so far
    assert "Review round 1 opened on version 1" in page  # the timeline
    assert "Decide for Bradford Park NHS Trust" in page
    assert "Decide for Ardwick" not in page  # already decided, and not approver_b's


def test_an_approver_decides_through_the_form(wf, in_review, org_b, approver_b, client_for):
    client = client_for(approver_b)
    response = post_decision(
        client, in_review, org_b, DecisionStatus.CHANGES_REQUESTED, "Say why", ["needs"]
    )

    assert response.status_code == 302
    assert response["Location"] == url("review", in_review)
    decision = wf.decision(in_review, org_b)
    assert (decision.status, decision.comment, decision.sections, decision.decided_by) == (
        DecisionStatus.CHANGES_REQUESTED,
        "Say why",
        ["needs"],
        approver_b,
    )
    page = client.get(response["Location"]).content.decode()
    assert "Your decision for Bradford Park NHS Trust has been recorded" in page
    assert "Decide for Bradford Park NHS Trust" not in page


def test_an_empty_decision_form_shows_the_error_summary(in_review, org_b, approver_b, client_for):
    response = post_decision(client_for(approver_b), in_review, org_b)

    assert response.status_code == 400
    assert "There is a problem" in error_summary(response)
    assert "Select your decision" in error_summary(response)
    assert title(response).startswith("Error:")


@pytest.mark.parametrize("status", [DecisionStatus.CHANGES_REQUESTED, DecisionStatus.DECLINED])
def test_a_decision_without_its_reason_shows_the_error_summary(
    wf, in_review, org_b, approver_b, client_for, status
):
    response = post_decision(client_for(approver_b), in_review, org_b, status, "  ")

    assert response.status_code == 400
    assert "Enter the reason for your decision" in error_summary(response)
    assert wf.decision(in_review, org_b).status == DecisionStatus.PENDING


# --- Illegal moves through the pages --------------------------------------------------------
def test_deciding_twice_shows_already_decided(wf, in_review, org_b, approver_b, client_for):
    client = client_for(approver_b)
    assert post_decision(client, in_review, org_b, DecisionStatus.APPROVED).status_code == 302
    mail.outbox.clear()

    response = post_decision(client, in_review, org_b, DecisionStatus.DECLINED, "Changed my mind")

    assert response.status_code == 400
    assert "Bradford Park NHS Trust has already decided in this round" in error_summary(response)
    assert title(response).startswith("Error:")
    assert wf.decision(in_review, org_b).status == DecisionStatus.APPROVED
    assert mail.outbox == []


def test_deciding_on_a_closed_round_shows_that_it_closed(
    wf, in_review, org_a, org_b, approver_a, approver_b, client_for
):
    wf.decide(in_review, org_a, by=approver_a, status=DecisionStatus.DECLINED)

    response = post_decision(client_for(approver_b), in_review, org_b, DecisionStatus.APPROVED)

    assert response.status_code == 400
    assert "This review round has closed" in error_summary(response)
    assert wf.decision(in_review, org_b).status == DecisionStatus.PENDING


def test_deciding_for_an_organisation_you_do_not_represent_is_forbidden(
    wf, in_review, org_b, approver_a, client_for
):
    response = post_decision(client_for(approver_a), in_review, org_b, DecisionStatus.APPROVED)
    assert response.status_code == 403
    assert wf.decision(in_review, org_b).status == DecisionStatus.PENDING


def test_the_submitter_deciding_is_told_why_not(wf, in_review, org_a, member_a, client_for):
    membership_set_roles(
        membership=membership(member_a, org_a), roles=[Role.MEMBER, Role.APPROVER], by=member_a
    )
    client = client_for(member_a)
    assert "Decide for" not in client.get(url("review", in_review)).content.decode()

    response = post_decision(client, in_review, org_a, DecisionStatus.APPROVED)

    assert response.status_code == 400
    assert "You submitted this proposal, so you cannot decide on it" in error_summary(response)
    assert wf.decision(in_review, org_a).status == DecisionStatus.PENDING


def test_a_steering_member_votes_through_the_form(
    wf, complete_proposal, member_a, approver_b, steering_member, chair, client_for
):
    wf.submit(complete_proposal, by=member_a)
    client = client_for(steering_member)
    assert (
        "Your steering group vote" in client.get(url("review", complete_proposal)).content.decode()
    )

    response = post_vote(client, complete_proposal, VoteChoice.APPROVE)

    assert response.status_code == 302
    assert [(v.member, v.vote) for v in current_round(complete_proposal).votes.all()] == [
        (steering_member, VoteChoice.APPROVE)
    ]
    page = client.get(url("review", complete_proposal)).content.decode()
    assert "Your vote has been recorded" in page
    assert "Your steering group vote" not in page


def test_an_empty_vote_and_a_vote_against_without_reason_show_the_error_summary(
    wf, complete_proposal, member_a, steering_member, chair, client_for
):
    wf.submit(complete_proposal, by=member_a)
    client = client_for(steering_member)

    empty = post_vote(client, complete_proposal)
    assert empty.status_code == 400
    assert "Select your vote" in error_summary(empty)
    assert title(empty).startswith("Error:")

    against = post_vote(client, complete_proposal, VoteChoice.REJECT, "")
    assert against.status_code == 400
    assert "Enter the reason for your vote" in error_summary(against)
    assert not current_round(complete_proposal).votes.exists()


def test_voting_twice_shows_already_voted(
    wf, complete_proposal, member_a, steering_member, chair, client_for
):
    wf.submit(complete_proposal, by=member_a)
    client = client_for(steering_member)
    assert post_vote(client, complete_proposal, VoteChoice.APPROVE).status_code == 302

    response = post_vote(client, complete_proposal, VoteChoice.REJECT, "Second thoughts")

    assert response.status_code == 400
    assert "You have already voted in this round" in error_summary(response)
    assert title(response).startswith("Error:")
    assert current_round(complete_proposal).votes.count() == 1


def test_the_submitter_voting_is_told_why_not(
    wf, complete_proposal, member_a, steering_member, client_for
):
    SteeringGroupMemberFactory(user=member_a)
    wf.submit(complete_proposal, by=member_a)

    response = post_vote(client_for(member_a), complete_proposal, VoteChoice.APPROVE)

    assert response.status_code == 400
    assert "You submitted this proposal, so you cannot vote on it" in error_summary(response)
    assert not current_round(complete_proposal).votes.exists()


def test_voting_after_the_round_closed_is_told_why_not(
    wf, complete_proposal, org_b, member_a, approver_b, steering_member, chair, client_for
):
    wf.submit(complete_proposal, by=member_a)
    wf.decide(complete_proposal, org_b, by=approver_b, status=DecisionStatus.DECLINED)
    assert fresh(complete_proposal).status == ProposalStatus.DECLINED

    response = post_vote(client_for(steering_member), complete_proposal, VoteChoice.APPROVE)

    assert response.status_code == 400
    assert "vote on this round has closed" in error_summary(response)
    assert not current_round(complete_proposal).votes.exists()


# --- The home page --------------------------------------------------------------------------
def test_the_home_page_lists_what_awaits_the_user_in_every_capacity(
    wf, complete_proposal, org_a, org_b, member_a, approver_b, client_for
):
    both = member_of(org_a, Role.APPROVER, email="both@gm.example", full_name="Bo Th")
    member_of(org_b, Role.APPROVER, user=both)
    SteeringGroupMemberFactory(user=both)
    wf.submit(complete_proposal, by=member_a)
    client = client_for(both)

    page = client.get("/").content.decode()
    awaiting = page.split("Awaiting your decision", 1)[1].split("</ul>", 1)[0]
    assert "Decide for Ardwick Borough Council" in awaiting
    assert "Decide for Bradford Park NHS Trust" in awaiting
    assert "Your steering group vote" in awaiting
    assert f'href="{url("review", complete_proposal)}"' in awaiting

    wf.decide(complete_proposal, org_b, by=both)
    wf.vote(complete_proposal, by=both)
    page = client.get("/").content.decode()
    awaiting = page.split("Awaiting your decision", 1)[1].split("</ul>", 1)[0]
    assert "Decide for Ardwick Borough Council" in awaiting
    assert "Bradford Park NHS Trust" not in awaiting
    assert "Your steering group vote" not in awaiting

    wf.decide(complete_proposal, org_a, by=both)
    assert "Awaiting your decision" not in client.get("/").content.decode()
    # The submitter is never asked.
    assert "Awaiting your decision" not in client_for(member_a).get("/").content.decode()


# --- The steering group's row once the round has closed (issue #12, item 10) ----------------
def steering_cell(page: str) -> str:
    row = re.search(r"Steering group</td>(.*?)</tr>", page, re.S)
    assert row, "the decisions table has a steering group row"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row.group(1)))


def test_a_round_closed_by_a_decline_says_no_vote_was_taken(
    wf, complete_proposal, org_b, member_a, approver_b, steering_member, chair, client_for
):
    wf.submit(complete_proposal, by=member_a)
    wf.decide(complete_proposal, org_b, by=approver_b, status=DecisionStatus.DECLINED)
    assert fresh(complete_proposal).status == ProposalStatus.DECLINED

    cell = steering_cell(
        client_for(member_a).get(url("review", complete_proposal)).content.decode()
    )

    assert "No vote was taken" in cell
    assert "No vote was needed: the round closed before the steering group voted" in cell
    assert "Voting" not in cell and "votes cast" not in cell


def test_a_round_closed_by_approval_shows_the_steering_result(
    wf,
    complete_proposal,
    org_a,
    org_b,
    member_a,
    approver_a,
    approver_b,
    steering_member,
    chair,
    client_for,
):
    wf.submit(complete_proposal, by=member_a)
    wf.vote(complete_proposal, by=steering_member, vote=VoteChoice.APPROVE)
    wf.vote(complete_proposal, by=chair, vote=VoteChoice.APPROVE)
    wf.decide(complete_proposal, org_a, by=approver_a)
    wf.decide(complete_proposal, org_b, by=approver_b)
    assert not current_round(complete_proposal).is_open

    cell = steering_cell(
        client_for(member_a).get(url("review", complete_proposal)).content.decode()
    )

    assert "Approve" in cell and "2 votes cast" in cell
    assert "Voting" not in cell and "No vote was taken" not in cell
