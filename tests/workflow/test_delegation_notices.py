"""Issue #12 item 12: whom an approver may name as a delegate, the delegation in the
organisation's history, the delegate told, and an author-delegate told why they cannot
decide on their own proposal."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from isf_portal.domain import DomainError
from notifications.models import Email, Notification
from organisations.services import delegation_create, delegation_revoke
from tests.factories import member_of
from tests.workflow.conftest import url


def give(org, approver, delegate):
    today = timezone.localdate()
    return delegation_create(
        organisation=org,
        approver=approver,
        delegate=delegate,
        starts_on=today,
        ends_on=today + timedelta(days=7),
    )


def test_a_read_only_member_is_not_offered_or_accepted_as_a_delegate(
    org_b, approver_b, member_b, client_for
):
    reader = member_of(org_b, email="reader.b@bpnt.example", full_name="Rita Reader")
    page = client_for(approver_b).get(reverse("organisations:delegations", args=[org_b.slug]))
    html = page.content.decode()
    assert "Bill Member" in html
    assert "Rita Reader" not in html
    with pytest.raises(DomainError, match="read-only"):
        give(org_b, approver_b, reader)


def test_a_delegation_is_in_the_organisations_history_and_the_delegate_is_told(
    org_b, approver_b, member_b, client_for
):
    delegation = give(org_b, approver_b, member_b)

    note = Notification.objects.get(user=member_b)
    assert "Abe Approver" in note.title
    email = Email.objects.get(recipient=member_b)
    assert "Abe Approver" in email.body_text and "Bradford Park NHS Trust" in email.body_text
    emails_page = client_for(member_b).get(reverse("notifications:emails")).content.decode()
    assert email.subject in emails_page

    delegation_revoke(delegation=delegation, by=approver_b)
    assert Notification.objects.filter(user=member_b).count() == 2

    history = client_for(approver_b).get(reverse("organisations:detail", args=[org_b.slug]))
    history = history.content.decode().split("History", 1)[1]
    assert "Delegation given: Abe Approver to Bill Member" in history
    assert "Delegation ended: Abe Approver to Bill Member" in history


def test_an_author_who_is_a_delegate_is_told_why_there_is_no_decision_form(
    in_review, org_a, approver_a, member_a, client_for
):
    give(org_a, approver_a, member_a)

    page = client_for(member_a).get(url("review", in_review)).content.decode()

    assert "Record the decision for" not in page
    assert "You submitted this proposal, so you cannot decide on it" in page
    assert "Ardwick Borough Council" in page.split("You submitted this proposal", 1)[1]
