"""Changes requested, then edited and resubmitted: a new round on the new version, the old
round's decisions kept, and reviewers shown what changed since the last round."""

import re

from django.core import mail

from notifications.models import Notification, NotificationKind
from sharing_requests import services
from sharing_requests.choices import ProposalStatus, Section
from sharing_requests.models import DecisionStatus, ReviewRound, RoundOutcome
from tests.workflow.conftest import current_round, fresh, url

CHANGES = DecisionStatus.CHANGES_REQUESTED


def send_back(wf, proposal, org_a, org_b, approver_a, approver_b):
    wf.decide(proposal, org_a, by=approver_a)
    wf.decide(
        proposal,
        org_b,
        by=approver_b,
        status=CHANGES,
        comment="Narrow the data subjects",
        sections=[Section.NEEDS],
    )
    assert fresh(proposal).status == ProposalStatus.CHANGES_REQUESTED


def test_resubmitting_opens_round_two_on_version_two_and_keeps_round_one(
    wf, in_review, org_a, org_b, member_a, approver_a, approver_b
):
    send_back(wf, in_review, org_a, org_b, approver_a, approver_b)
    first = current_round(in_review)
    kept = list(first.decisions.values_list("organisation", "status", "comment", "decided_by"))
    services.proposal_update(
        proposal=fresh(in_review),
        section=Section.NEEDS,
        data={"data_subjects": "Adults over 65 receiving care at home"},
        by=member_a,
        revision=None,
    )
    mail.outbox.clear()

    second = wf.submit(in_review, by=member_a)

    assert second.number == 2 and second.version.number == 2 and second.is_open
    assert {d.status for d in second.decisions.all()} == {DecisionStatus.PENDING}
    assert second.decisions.count() == 2
    assert fresh(in_review).status == ProposalStatus.IN_REVIEW
    first.refresh_from_db()
    assert first.outcome == RoundOutcome.CHANGES_REQUESTED and not first.is_open
    assert (
        list(first.decisions.values_list("organisation", "status", "comment", "decided_by")) == kept
    )
    assert ReviewRound.objects.filter(proposal=in_review, closed_at__isnull=True).count() == 1
    # Both approvers are asked again.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([approver_a.email, approver_b.email])
    assert (
        Notification.objects.filter(kind=NotificationKind.REVIEW_REQUESTED, user=approver_b).count()
        == 2
    )

    # Round 2 decides on its own: round 1's decisions count for nothing in it.
    wf.decide(in_review, org_a, by=approver_a)
    wf.decide(in_review, org_b, by=approver_b)
    assert fresh(in_review).status == ProposalStatus.APPROVED


def test_the_review_page_shows_what_changed_since_round_one_section_by_section(
    wf, in_review, org_a, org_b, member_a, approver_a, approver_b, client_for
):
    send_back(wf, in_review, org_a, org_b, approver_a, approver_b)
    p = fresh(in_review)
    services.proposal_update(
        proposal=p,
        section=Section.NEEDS,
        data={"data_subjects": "Adults over 65 receiving care at home"},
        by=member_a,
        revision=None,
    )
    services.proposal_update(
        proposal=p,
        section=Section.HOW,
        data={
            "transfer_method": "Secure e-mail",
            "frequency": "weekly",
            "security_measures": "Encryption",
            "access_controls": "The prevention team",
            "storage_location": "UK-hosted CRM",
        },
        by=member_a,
        revision=None,
    )
    wf.submit(p, by=member_a)

    page = client_for(approver_b).get(url("review", p)).content.decode()

    assert "What changed since round 1" in page
    changes = page.split("What changed since round 1", 1)[1].split("The proposal as submitted")[0]
    headings = re.findall(r'<h3 class="govuk-heading-s">(.*?)</h3>', changes)
    assert headings == ["Needs", "How"]
    assert "Adults receiving care at home" in changes  # before
    assert "Adults over 65 receiving care at home" in changes  # now
    assert "SFTP" in changes and "Secure e-mail" in changes
    assert "Purpose" not in headings  # unchanged sections are not listed
    # Round 1's decisions stay on the page.
    assert "Decisions in round 1" in page
    assert "Narrow the data subjects" in page


def test_resubmitting_unchanged_says_nothing_changed(
    wf, in_review, org_a, org_b, member_a, approver_a, approver_b, client_for
):
    send_back(wf, in_review, org_a, org_b, approver_a, approver_b)
    wf.submit(in_review, by=member_a)

    page = client_for(approver_b).get(url("review", in_review)).content.decode()

    assert "What changed since round 1" in page
    assert "Nothing changed in the answers." in page


def test_the_first_round_shows_no_changes_section(in_review, approver_b, client_for):
    page = client_for(approver_b).get(url("review", in_review)).content.decode()
    assert "What changed since" not in page
    assert "This is the first round." in page


def test_what_changed_lists_the_data_item_added_removed_or_changed_not_the_whole_list(
    wf, in_review, org_a, org_b, member_a, approver_a, approver_b, client_for
):
    """Issue #12 item 11."""
    from sharing_requests.examples import DATA_ITEM
    from sharing_requests.models import DataItem

    send_back(wf, in_review, org_a, org_b, approver_a, approver_b)
    p = fresh(in_review)
    kept_names = [i.name for i in p.data_items.all()]
    for n in range(3):
        services.item_save(
            proposal=p,
            section=Section.NEEDS,
            instance=DataItem(),
            data={**DATA_ITEM, "name": f"Unchanged item {n}"},
            by=member_a,
            kind="dataitem",
        )
    wf.submit(fresh(p), by=member_a)
    send_back(wf, fresh(p), org_a, org_b, approver_a, approver_b)
    p = fresh(p)
    services.item_save(
        proposal=p,
        section=Section.NEEDS,
        instance=DataItem(),
        data={**DATA_ITEM, "name": "GP practice"},
        by=member_a,
        kind="dataitem",
    )
    changed = p.data_items.get(name="Unchanged item 1")
    services.item_save(
        proposal=p,
        section=Section.NEEDS,
        instance=changed,
        data={**DATA_ITEM, "name": "Unchanged item 1", "identifiability": "pseudonymised"},
        by=member_a,
        kind="dataitem",
    )
    services.item_remove(
        proposal=p,
        section=Section.NEEDS,
        instance=p.data_items.get(name="Unchanged item 2"),
        by=member_a,
        kind="dataitem",
    )
    wf.submit(fresh(p), by=member_a)

    page = client_for(approver_b).get(url("review", p)).content.decode()
    changes = page.split("What changed since round 2", 1)[1].split("The proposal as submitted")[0]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", changes))
    assert "Added: GP practice" in text
    assert "Removed: Unchanged item 2" in text
    assert "Unchanged item 1" in text and "Pseudonymised".lower() in text.lower()
    assert "Unchanged item 0" not in text  # an item that did not change is not repeated
    for name in kept_names:
        assert name not in text
