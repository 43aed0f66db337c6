"""Submitting a proposal opens its review round, through the outbox, exactly once."""

from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Email, Notification, NotificationKind
from organisations.models import Role
from organisations.services import membership_set_roles
from outbox.models import OutboxTask
from outbox.services import outbox_dispatch
from outbox.tasks import redispatch
from sharing_requests import services
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import DecisionStatus, OrganisationDecision, ReviewRound
from sharing_requests.rounds.rounds import round_open
from sharing_requests.rounds.rule import RoundRule
from sharing_requests.tasks import open_review_round
from sharing_requests.workdays import add_working_days
from tests.conftest import build_proposal
from tests.factories import OrganisationFactory, member_of, membership
from tests.workflow.conftest import LEAD_IG, PARTNER_IG, fresh, pending_outbox, url

OPEN_ROUND = "requests.open_review_round"


def test_submitting_records_the_round_opening_in_the_outbox_and_opens_nothing_yet(
    complete_proposal, member_a, approver_b
):
    # No commit yet: the broker has not been given anything.
    version = services.proposal_submit(proposal=complete_proposal, by=member_a)

    row = OutboxTask.objects.get(task_name=OPEN_ROUND)
    assert row.kwargs == {"version_id": version.pk}
    assert row.completed_at is None and row.dispatched_at is None
    assert fresh(complete_proposal).status == ProposalStatus.IN_REVIEW
    assert not ReviewRound.objects.exists()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_the_task_opens_round_one_with_a_pending_decision_per_organisation_lead_included(
    wf, complete_proposal, member_a, org_a, org_b, approver_a, approver_b
):
    version = wf.run(services.proposal_submit, proposal=complete_proposal, by=member_a)

    review = ReviewRound.objects.get(proposal=complete_proposal)
    assert review.number == 1
    assert review.version == version and version.number == 1
    assert review.is_open and review.outcome == "" and review.steering_outcome == ""
    # The whole rule in force is recorded, so the round keeps it whatever settings become.
    assert review.rule == RoundRule.from_settings().as_stored()
    assert {k: review.rule[k] for k in settings.REVIEW_RULE} == settings.REVIEW_RULE
    assert review.deadline == add_working_days(
        review.opened_at.date(), settings.REVIEW_RULE["deadline_working_days"]
    )
    decisions = OrganisationDecision.objects.filter(round=review)
    assert {d.organisation for d in decisions} == {org_a, org_b}
    assert {d.status for d in decisions} == {DecisionStatus.PENDING}
    assert OutboxTask.objects.get(task_name=OPEN_ROUND).completed_at is not None
    assert review.history.first().history_change_reason == "isf.review.opened"


def test_opening_notifies_approvers_with_their_ig_mailbox_copied_and_the_steering_group(
    wf, complete_proposal, member_a, approver_a, approver_b, steering_member
):
    wf.submit(complete_proposal, by=member_a)

    asked = Notification.objects.filter(kind=NotificationKind.REVIEW_REQUESTED)
    assert sorted(n.user.email for n in asked) == sorted(
        [approver_a.email, approver_b.email, steering_member.email]
    )
    review_url = url("review", complete_proposal)
    assert {n.url for n in asked} == {review_url}
    assert all(n.email is not None for n in asked)

    sent = {m.to[0]: m for m in mail.outbox}
    assert set(sent) == {approver_a.email, approver_b.email, steering_member.email}
    assert sent[approver_b.email].cc == [PARTNER_IG]
    assert sent[approver_a.email].cc == [LEAD_IG]
    assert sent[steering_member.email].cc == []
    assert "Your decision is needed" in sent[approver_b.email].subject
    assert "Bradford Park NHS Trust" in sent[approver_b.email].body
    assert "Steering group vote needed" in sent[steering_member.email].subject
    for message in mail.outbox:
        assert settings.SITE_URL + review_url in message.body
        assert message.alternatives[0][1] == "text/html"
        assert settings.SITE_URL + review_url in message.alternatives[0][0]
    assert not Notification.objects.filter(user=member_a).exists()


def test_a_submitter_who_is_also_an_approver_is_not_asked_to_decide(
    wf, complete_proposal, member_a, org_a, approver_b
):
    membership_set_roles(
        membership=membership(member_a, org_a), roles=[Role.MEMBER, Role.APPROVER], by=member_a
    )
    wf.submit(complete_proposal, by=member_a)

    assert not Notification.objects.filter(user=member_a).exists()
    assert [m.to for m in mail.outbox] == [[approver_b.email]]


def test_running_the_round_task_twice_creates_nothing_more_and_sends_no_second_email(
    wf, complete_proposal, member_a, approver_a, approver_b, steering_member
):
    version = wf.run(services.proposal_submit, proposal=complete_proposal, by=member_a)
    counts = (
        ReviewRound.objects.count(),
        OrganisationDecision.objects.count(),
        Notification.objects.count(),
        Email.objects.count(),
        OutboxTask.objects.count(),
    )
    sent = len(mail.outbox)
    assert sent == 3

    # The broker delivers the task again, and the outbox hands its (done) row over again.
    wf.run(open_review_round.delay, version_id=version.pk)
    wf.run(open_review_round.apply, kwargs={"version_id": version.pk})
    row = OutboxTask.objects.get(task_name=OPEN_ROUND)
    assert wf.run(outbox_dispatch, outbox_id=row.pk) is False
    assert wf.run(redispatch) == 0

    assert (
        ReviewRound.objects.count(),
        OrganisationDecision.objects.count(),
        Notification.objects.count(),
        Email.objects.count(),
        OutboxTask.objects.count(),
    ) == counts
    assert len(mail.outbox) == sent


def test_a_round_never_dispatched_is_opened_by_the_redispatch_task(
    wf, complete_proposal, member_a, approver_b
):
    # The commit happened but the broker never got the task (it was down).
    services.proposal_submit(proposal=complete_proposal, by=member_a)
    assert pending_outbox(OPEN_ROUND).count() == 1

    wf.run(redispatch)

    assert ReviewRound.objects.filter(proposal=complete_proposal, number=1).exists()
    assert not pending_outbox(OPEN_ROUND).exists()
    assert [m.to for m in mail.outbox] == [[approver_b.email]]


def test_the_review_page_says_the_round_is_opening_until_the_task_ran(
    complete_proposal, member_a, approver_b, client_for
):
    services.proposal_submit(proposal=complete_proposal, by=member_a)

    response = client_for(approver_b).get(url("review", complete_proposal))

    assert response.status_code == 200
    assert "The review is being opened" in response.content.decode()


def test_a_task_for_a_withdrawn_proposal_opens_nothing(wf, complete_proposal, member_a, approver_b):
    services.proposal_submit(proposal=complete_proposal, by=member_a)
    services.proposal_withdraw(proposal=fresh(complete_proposal), by=member_a, reason="Wrong")

    wf.run(redispatch)

    assert not ReviewRound.objects.exists()
    assert not pending_outbox(OPEN_ROUND).exists()
    assert mail.outbox == []


def open_round_with(partners: int, *, lead, by) -> tuple[int, ReviewRound]:
    """Open the round of a proposal with `partners` partner organisations (an approver each,
    their IG mailbox set): the queries round_open makes, and the round."""
    organisations = []
    for n in range(partners):
        organisation = OrganisationFactory(ig_mailbox=f"ig@partner{n}.example")
        member_of(organisation, Role.APPROVER)
        organisations.append(organisation)
    proposal = build_proposal(lead=lead, partners=organisations, by=by)
    version = services.proposal_submit(proposal=proposal, by=by)  # its commit is not run here
    with CaptureQueriesContext(connection) as queries:
        review = round_open(version_id=version.pk)
    return len(queries), review


def test_opening_a_round_makes_the_same_queries_for_5_partners_as_for_20(
    org_a, member_a, approver_a
):
    """Each organisation's decision and each approver's e-mail and notification are inserted
    with the others, and their e-mails go out through one outbox row."""
    small, _ = open_round_with(5, lead=org_a, by=member_a)
    large, review = open_round_with(20, lead=org_a, by=member_a)

    assert small == large <= 25
    assert review.decisions.count() == 21
    asked = Notification.objects.filter(kind=NotificationKind.REVIEW_REQUESTED, email__isnull=False)
    approvers = asked.filter(title__contains=review.proposal.reference)
    assert approvers.count() >= 21  # the lead's approver and one per partner (+ the steering)
    row = OutboxTask.objects.filter(task_name="notifications.send_email").order_by("pk").last()
    assert sorted(row.kwargs["email_ids"]) == sorted(approvers.values_list("email_id", flat=True))
    history = review.decisions.first().history.get()
    assert history.history_change_reason == "isf.review.decision_requested"
