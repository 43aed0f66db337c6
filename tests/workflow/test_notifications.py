"""The proposer's organisation hears of each decision and the outcome; everyone sees what the
portal told them (with an unread count in the navigation) and what it e-mailed them."""

import re

from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import Email, Notification, NotificationKind
from sharing_requests.models import DecisionStatus
from tests.factories import member_of
from tests.workflow.conftest import LEAD_IG, url

LIST, READ, EMAILS = (
    reverse("notifications:list"),
    reverse("notifications:mark-all-read"),
    reverse("notifications:emails"),
)


def unread_badge(page: str) -> str | None:
    found = re.search(
        r'<span class="isf-count">(\d+)<span class="govuk-visually-hidden"> unread', page
    )
    return found.group(1) if found else None


def test_the_lead_organisation_is_told_of_each_decision_and_the_outcome(
    wf, in_review, org_a, org_b, member_a, approver_a, approver_b
):
    colleague = member_of(org_a, "member", email="colleague.a@ardwick.example")
    wf.decide(in_review, org_b, by=approver_b)
    wf.decide(in_review, org_a, by=approver_a)

    for person in (member_a, colleague):
        kinds = list(
            Notification.objects.filter(user=person).order_by("pk").values_list("kind", flat=True)
        )
        assert kinds == [
            NotificationKind.DECISION_MADE,
            NotificationKind.DECISION_MADE,
            NotificationKind.OUTCOME,
        ]
        emails = Email.objects.filter(recipient=person).order_by("pk")
        assert [e.cc for e in emails] == [[LEAD_IG]] * 3
        assert all(e.sent_at is not None for e in emails)
    # The partner's people are not told of Ardwick's own business beyond their review request.
    assert not Notification.objects.filter(
        user=approver_b, kind__in=[NotificationKind.DECISION_MADE, NotificationKind.OUTCOME]
    ).exists()


def test_the_notifications_page_lists_mine_with_an_unread_count_and_marks_them_read(
    wf, in_review, org_b, member_a, approver_b, client_for
):
    wf.decide(in_review, org_b, by=approver_b, status=DecisionStatus.CHANGES_REQUESTED)
    client = client_for(member_a)

    response = client.get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    mine = Notification.objects.filter(user=member_a)
    assert mine.count() == 1
    assert "BPNT changes requested" in page
    assert f'href="{url("review", in_review)}"' in page
    assert unread_badge(page) == "1"
    # Somebody else's notifications are not mine.
    assert "Your decision is needed" not in page

    response = client.post(READ)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not mine.filter(read_at__isnull=True).exists()
    assert unread_badge(client.get(LIST).content.decode()) is None
    # Only mine were marked.
    assert Notification.objects.filter(user=approver_b, read_at__isnull=True).exists()


def test_the_emails_page_lists_only_the_emails_sent_to_me(
    wf, in_review, org_b, member_a, approver_a, approver_b, client_for
):
    wf.decide(in_review, org_b, by=approver_b)

    page = client_for(approver_b).get(EMAILS).content.decode()
    assert "Your decision is needed" in page
    assert "BPNT approved" not in page  # sent to Ardwick's people, not to approver_b

    page = client_for(member_a).get(EMAILS).content.decode()
    assert "BPNT approved" in page
    assert "Your decision is needed" not in page


def test_notification_pages_need_sign_in(client):
    login = resolve_url(settings.LOGIN_URL)
    for target in (LIST, EMAILS):
        response = client.get(target)
        assert response.status_code == 302 and response["Location"].startswith(login)
    response = client.post(READ)
    assert response.status_code == 302 and response["Location"].startswith(login)


def test_marking_read_needs_a_post(member_a, client_for):
    assert client_for(member_a).get(READ).status_code == 405


def queries(client, target) -> int:
    client.get(target)  # warm: the session's renewal, the cached navigation
    with CaptureQueriesContext(connection) as captured:
        assert client.get(target).status_code == 200
    return len(captured)


def test_the_notification_and_email_lists_take_a_constant_number_of_queries(
    wf, in_review, org_a, org_b, member_a, approver_a, approver_b, client_for
):
    client = client_for(member_a)
    wf.decide(in_review, org_b, by=approver_b)
    before = {target: queries(client, target) for target in (LIST, EMAILS)}
    assert all(n <= 12 for n in before.values()), before

    wf.decide(in_review, org_a, by=approver_a)  # two more notifications and e-mails

    assert Notification.objects.filter(user=member_a).count() == 3
    assert {target: queries(client, target) for target in (LIST, EMAILS)} == before
