"""Issue #12 items 8, 11 and 12 in Chromium, with axe and the 320-pixel reflow check on every
page visited: the DPIA screening pre-ticked from the data items and refusing "None of these";
the review page naming the data item added and telling an author-delegate why there is no
form; the delegation in the organisation's history, and the delegations page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from organisations.models import Role
from organisations.services import delegation_create
from sharing_requests import services
from sharing_requests.examples import DATA_ITEM
from sharing_requests.models import DataItem, DecisionStatus, ReviewRound
from sharing_requests.rounds import rounds
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, member_of
from tests.workflow.conftest import build_proposal, fresh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def decide_all(proposal, deciders, status):
    review = ReviewRound.objects.get(proposal=proposal, closed_at__isnull=True)
    for decision in review.decisions.all():
        rounds.decision_record(
            decision=decision,
            by=deciders[decision.organisation_id],
            status=status,
            comment="Add the GP practice" if status != DecisionStatus.APPROVED else "",
        )


def test_screening_review_and_delegation_pages(
    new_page, live_server, org_a, org_b, member_a, approver_b
):
    approver_a = member_of(org_a, Role.APPROVER, email="approver.a@ardwick.example")
    member_of(org_a, email="reader.a@ardwick.example", full_name="Rita Reader")
    proposal = build_proposal(lead=org_a, partners=[org_b], by=member_a)
    services.item_save(
        proposal=proposal,
        section="needs",
        instance=DataItem(),
        data={**DATA_ITEM, "name": "Offending history", "category": "criminal"},
        by=member_a,
        kind="dataitem",
    )
    page = new_page()
    sign_in(page, live_server, member_a.email, TEST_PASSWORD)
    base = f"{live_server.url}/proposals/{proposal.reference}"

    # Item 8: what the data items show is ticked; "None of these" alone is refused.
    page.goto(f"{base}/screening/")
    sensitive = page.get_by_label("Special category, criminal offence or other highly personal")
    expect(sensitive).to_be_checked()
    expect(page.get_by_text("Your data items show this: Offending history.")).to_be_visible()
    assert_accessible(page)
    for box in page.get_by_role("checkbox").all():
        box.uncheck()
    page.get_by_label("None of these").check()
    page.get_by_role("button", name="See the outcome").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Offending history")
    expect(summary).to_be_focused()
    assert_accessible(page)
    page.get_by_label("None of these").uncheck()
    sensitive.check()
    page.get_by_role("button", name="See the outcome").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert "sensitive" in fresh(proposal).dpia_indicators
    services.item_remove(  # (its lawful basis is not this test's business)
        proposal=fresh(proposal),
        section="needs",
        instance=DataItem.objects.get(name="Offending history"),
        by=member_a,
        kind="dataitem",
    )

    # Item 12: the author is also approver_a's delegate.
    today = timezone.localdate()
    delegation_create(
        organisation=org_a,
        approver=approver_a,
        delegate=member_a,
        starts_on=today,
        ends_on=today + timedelta(days=7),
    )
    services.proposal_submit(proposal=fresh(proposal), by=member_a)
    deciders = {org_a.pk: approver_a, org_b.pk: approver_b}
    decide_all(proposal, deciders, DecisionStatus.CHANGES_REQUESTED)
    services.item_save(
        proposal=fresh(proposal),
        section="needs",
        instance=DataItem(),
        data={**DATA_ITEM, "name": "GP practice"},
        by=member_a,
        kind="dataitem",
    )
    services.proposal_submit(proposal=fresh(proposal), by=member_a)

    page.goto(f"{base}/review/")
    expect(
        page.get_by_text("You submitted this proposal, so you cannot decide on it")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Record the decision for Ardwick")).to_have_count(0)
    # Item 11: the data item added, not the whole list before and after.
    changes = page.locator("dl", has_text="Added:")
    expect(changes).to_contain_text("GP practice")
    expect(changes).not_to_contain_text(DATA_ITEM["name"])  # the item that did not change
    assert_accessible(page)

    # The delegation in the organisation's history; read-only members not offered.
    approver = new_page()
    sign_in(approver, live_server, approver_a.email, TEST_PASSWORD)
    approver.goto(f"{live_server.url}/organisations/{org_a.slug}/")
    expect(approver.get_by_text("Delegation given:")).to_be_visible()
    assert_accessible(approver)
    approver.goto(f"{live_server.url}/organisations/{org_a.slug}/delegations/")
    options = approver.get_by_label("Who will decide for you?").locator("option")
    expect(options).not_to_contain_text(["Rita Reader"])
    assert_accessible(approver)
