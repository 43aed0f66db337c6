"""An approver decides on the review page and a steering-group member votes, in Chromium, with
axe on every page visited: the home page's "Awaiting your decision", the review page, its
error state, the updated review page with its confirmation, the steering group's list and
the notifications."""

import re

import pytest
from playwright.sync_api import Page, expect

from organisations.models import Role
from sharing_requests import services
from sharing_requests.models import DecisionStatus, ReviewRound, VoteChoice
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, member_of
from tests.workflow.conftest import build_proposal, fresh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Falls prevention referrals"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


@pytest.fixture
def in_review(org_a, org_b, member_a, approver_b, steering_member):
    """Submitted by member_a; its round is open (the eager task ran on commit)."""
    approver_a = member_of(org_a, Role.APPROVER, email="approver.a@ardwick.example")
    proposal = build_proposal(lead=org_a, partners=[org_b], by=member_a, title=TITLE)
    services.proposal_submit(proposal=proposal, by=member_a)
    assert ReviewRound.objects.filter(proposal=proposal, closed_at__isnull=True).exists()
    return fresh(proposal), approver_a


def test_an_approver_decides_and_a_steering_member_votes(
    new_page, live_server, in_review, org_b, member_a, approver_b, steering_member
):
    proposal, _approver_a = in_review

    # --- The approver ------------------------------------------------------------------------
    page = new_page()
    sign_in(page, live_server, approver_b.email, TEST_PASSWORD)
    page.goto(live_server.url + "/")
    awaiting = page.get_by_role("heading", name="Awaiting your decision")
    expect(awaiting).to_be_visible()
    expect(page.get_by_text("Decide for Bradford Park NHS Trust")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=TITLE).first.click()
    expect(heading(page)).to_have_text(f"Review: {TITLE}")
    expect(page.get_by_role("heading", name="Decide for Bradford Park NHS Trust")).to_be_visible()
    assert_accessible(page)

    # Submitting the form empty: the GOV.UK error summary, focused, linked to the question.
    record = page.get_by_role("button", name="Record the decision for BPNT")
    record.click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Select your decision")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Review: "))
    assert_accessible(page)
    summary.get_by_role("link", name="Select your decision").click()
    expect(page.get_by_label("Approve", exact=True)).to_be_focused()

    # Request changes without a reason, then with one.
    page.get_by_label("Request changes").check()
    page.get_by_role("button", name="Record the decision for BPNT").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter the reason for your decision"
    )
    assert_accessible(page)
    page.get_by_label("Approve", exact=True).check()
    page.get_by_label("Reason or comment").fill("The trust is content.")
    page.get_by_role("button", name="Record the decision for BPNT").click()

    banner = page.locator(".govuk-notification-banner--success")
    expect(banner).to_contain_text("Your decision for Bradford Park NHS Trust has been recorded")
    expect(heading(page)).to_have_text(f"Review: {TITLE}")
    expect(page.get_by_role("heading", name="Decide for Bradford Park NHS Trust")).to_have_count(0)
    expect(page.get_by_text("The trust is content.")).to_be_visible()
    assert_accessible(page)
    decision = proposal.rounds.get().decisions.get(organisation=org_b)
    assert (decision.status, decision.decided_by) == (DecisionStatus.APPROVED, approver_b)

    # --- The steering-group member ----------------------------------------------------------
    steering = new_page()
    sign_in(steering, live_server, steering_member.email, TEST_PASSWORD)
    steering.goto(live_server.url + "/proposals/in-review/")
    expect(heading(steering)).to_have_text("Proposals in review")
    row = steering.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("BPNT: approved")
    expect(row).to_contain_text("Ardwick: waiting for a decision")
    assert_accessible(steering)

    row.get_by_role("link", name=TITLE).click()
    expect(steering.get_by_role("heading", name="Your steering group vote")).to_be_visible()
    assert_accessible(steering)
    steering.get_by_label("Approve", exact=True).check()
    steering.get_by_role("button", name="Record my vote").click()
    expect(steering.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your vote has been recorded"
    )
    expect(steering.get_by_role("heading", name="Your steering group vote")).to_have_count(0)
    assert_accessible(steering)
    vote = proposal.rounds.get().votes.get()
    assert (vote.member, vote.vote) == (steering_member, VoteChoice.APPROVE)

    # --- The lead's member reads what happened ----------------------------------------------
    lead = new_page()
    sign_in(lead, live_server, member_a.email, TEST_PASSWORD)
    nav = lead.get_by_role("link", name=re.compile(r"^Notifications"))
    expect(nav).to_contain_text("1 unread")
    nav.click()
    expect(heading(lead)).to_have_text("Notifications")
    expect(lead.get_by_role("link", name=re.compile("BPNT approved"))).to_be_visible()
    assert_accessible(lead)
    lead.get_by_role("button", name="Mark all as read").click()
    expect(lead.get_by_role("link", name=re.compile(r"^Notifications"))).not_to_contain_text(
        "unread"
    )
    lead.get_by_role("link", name="See the e-mails we have sent you").click()
    expect(heading(lead)).to_have_text("E-mails we have sent you")
    expect(lead.get_by_role("table")).to_contain_text("BPNT approved")
    assert_accessible(lead)
