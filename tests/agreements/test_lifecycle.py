"""The lifecycle with frozen time: reviews ending in continue, vary or terminate, expiry, the
review-date reminders (each once), a new version superseding the old, and the daily task."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from agreements import consents, lifecycle
from agreements.models import (
    Agreement,
    AgreementReview,
    AgreementStatus,
    ConsentStatus,
    LifecycleReminder,
    ReviewOutcome,
)
from agreements.tasks.lifecycle import lifecycle_daily as lifecycle_daily_task
from isf_portal.domain import DomainError
from notifications.models import Email, Notification, NotificationKind
from organisations.models import Role
from sharing_requests import services as proposal_services
from sharing_requests.choices import ProposalStatus
from sharing_requests.models import Proposal
from tests.agreements.register_builders import make_agreement
from tests.factories import member_of

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
D = datetime.date


def at(day: datetime.date, hour: int = 9):
    """Freeze the clock at `day`, 09:00 in London."""
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON), tick=False
    )


@pytest.fixture(autouse=True)
def _frozen():
    with at(D(2026, 6, 1)):
        yield


@pytest.fixture
def agreement(org_a, org_b, governance_a, governance_b):
    return make_agreement(
        org_a,
        org_b,
        start=D(2025, 6, 1),
        end=D(2028, 5, 31),
        review=D(2026, 9, 1),
    )


def notified(user, kind=None) -> list[Notification]:
    rows = Notification.objects.filter(user=user)
    if kind:
        rows = rows.filter(kind=kind)
    return list(rows)


def reasons(obj) -> list[str]:
    return list(
        obj.history.order_by("history_date", "history_id").values_list(
            "history_change_reason", flat=True
        )
    )


# --- Opening a review -----------------------------------------------------------------------
def test_governance_officer_opens_a_review(agreement, governance_a, governance_b):
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    assert review.opened_by == governance_a and review.closed_at is None
    assert agreement.events.filter(kind="review_opened").count() == 1
    assert reasons(review) == ["isf.agreement.review_opened"]
    # The other party's governance officer hears; the one who opened it does not.
    assert len(notified(governance_b, NotificationKind.AGREEMENT)) == 1
    assert notified(governance_a) == []


def test_an_approver_of_a_party_may_open_a_review(agreement, approver_b):
    assert lifecycle.agreement_review_open(agreement=agreement, by=approver_b).pk


@pytest.mark.parametrize("persona", ["member_a", "signatory_b", "outsider"])
def test_others_may_not_open_a_review(agreement, persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(lifecycle.NotAllowed):
        lifecycle.agreement_review_open(agreement=agreement, by=user)
    assert not AgreementReview.objects.exists()


def test_one_review_open_at_a_time(agreement, governance_a, governance_b):
    lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    with pytest.raises(DomainError, match="already open"):
        lifecycle.agreement_review_open(agreement=agreement, by=governance_b)
    assert AgreementReview.objects.count() == 1


@pytest.mark.parametrize(
    "status",
    [AgreementStatus.EXPIRED, AgreementStatus.AWAITING_SIGNATURES, AgreementStatus.TERMINATED],
)
def test_only_an_active_agreement_is_reviewed(org_a, org_b, governance_a, status):
    agreement = make_agreement(org_a, org_b, status=status)
    with pytest.raises(DomainError, match="Only an active agreement"):
        lifecycle.agreement_review_open(agreement=agreement, by=governance_a)


# --- Continue -------------------------------------------------------------------------------
def test_continue_sets_the_new_review_date(agreement, governance_a, governance_b):
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    lifecycle.agreement_review_continue(
        review=review, by=governance_b, new_review_date=D(2027, 6, 1), comment="Working well."
    )
    agreement.refresh_from_db()
    review.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.review_date == D(2027, 6, 1)
    assert review.outcome == ReviewOutcome.CONTINUE
    assert review.closed_by == governance_b and review.closed_at is not None
    assert review.new_review_date == D(2027, 6, 1) and review.reason == "Working well."
    assert reasons(agreement)[-1] == "isf.agreement.review_continued"
    assert "moved from 1 September 2026 to 1 June 2027" in agreement.events.first().description
    # governance_a hears of governance_b's outcome
    assert len(notified(governance_a, NotificationKind.AGREEMENT)) == 1


@pytest.mark.parametrize(
    ("new_date", "message"),
    [
        (D(2026, 6, 1), "must be in the future"),
        (D(2026, 5, 1), "must be in the future"),
        (D(2028, 6, 1), "on or before the agreement's end date"),
    ],
)
def test_continue_refuses_a_review_date_not_ahead(agreement, governance_a, new_date, message):
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    with pytest.raises(DomainError, match=message):
        lifecycle.agreement_review_continue(
            review=review, by=governance_a, new_review_date=new_date
        )
    agreement.refresh_from_db()
    review.refresh_from_db()
    assert agreement.review_date == D(2026, 9, 1)
    assert review.closed_at is None


def test_a_closed_review_cannot_close_again(agreement, governance_a):
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    lifecycle.agreement_review_continue(
        review=review, by=governance_a, new_review_date=D(2027, 1, 1)
    )
    with pytest.raises(DomainError, match="already closed"):
        lifecycle.agreement_review_terminate(
            review=review, by=governance_a, reason="x", end_date=D(2026, 6, 1)
        )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


# --- Terminate: proposed by one party, in effect once every party agrees -------------------
def agree(consent, by):
    """`by` agrees for the one party they may answer for."""
    (party,) = consents.answerable_parties(consent, by)
    return consents.consent_answer(consent=consent, party=party, by=by, agreed=True)


def test_a_termination_by_one_party_waits_for_every_party(
    agreement, org_b, governance_a, governance_b
):
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    consent = lifecycle.agreement_review_terminate(
        review=review, by=governance_a, reason="The service closed.", end_date=D(2026, 6, 1)
    )
    agreement.refresh_from_db()
    # Nothing changes for anyone until every party has agreed.
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.end_date == D(2028, 5, 31) and agreement.terminates_on is None
    assert agreement.status_label == "Active"
    assert consent.status == ConsentStatus.PENDING
    assert [p.organisation for p in consents.waiting_for(consent)] == [org_b]
    assert agreement.events.filter(kind="consent_terminate_proposed").exists()
    assert reasons(consent) == ["isf.consent.proposed"]
    # The other party's governance officer is asked, with a link to answer.
    (asked,) = [n for n in notified(governance_b) if "answer is needed" in n.title]
    assert asked.url == consents.consent_url(consent)
    review.refresh_from_db()
    assert review.closed_at is None  # the review closes when the parties have agreed


def test_once_every_party_agrees_it_ends_after_the_notice_period(
    agreement, governance_a, governance_b
):
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    consent = lifecycle.agreement_review_terminate(
        review=review, by=governance_a, reason="The service closed.", end_date=D(2026, 6, 1)
    )
    with at(D(2026, 6, 10)):
        agree(consent, governance_b)
    consent.refresh_from_db()
    agreement.refresh_from_db()
    review.refresh_from_db()
    assert consent.status == ConsentStatus.AGREED
    # The later of the date asked for (1 June) and 30 days after the last agreement (10 June).
    assert agreement.terminates_on == agreement.end_date == D(2026, 7, 10)
    assert agreement.status == AgreementStatus.ACTIVE
    assert agreement.status_label == "Ending on 10 July 2026"
    # Its review date (1 September) falls after it ends: no review is scheduled.
    assert agreement.review_date is None
    assert review.outcome == ReviewOutcome.TERMINATE and review.end_date == D(2026, 7, 10)
    assert agreement.events.filter(kind="termination_scheduled").exists()
    with pytest.raises(DomainError, match="terminated from 10 July 2026"):
        lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    with at(D(2026, 7, 9)):
        assert lifecycle.lifecycle_daily()["terminated"] == 0
    with at(D(2026, 7, 10)):
        assert lifecycle.lifecycle_daily() == {"terminated": 1, "expired": 0, "reminders": 0}
        assert lifecycle.lifecycle_daily()["terminated"] == 0  # the second run finds nothing
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.TERMINATED
    assert agreement.end_reason == "The service closed."
    assert agreement.ended_at is not None
    assert reasons(agreement)[-1] == "isf.agreement.terminated"
    assert agreement.events.filter(kind="terminated").count() == 1
    assert any("terminated" in n.title for n in notified(governance_b))


def test_a_later_date_asked_for_wins_over_the_notice_period(agreement, governance_a, governance_b):
    agreement.review_date = D(2026, 8, 1)
    agreement.save()
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    consent = lifecycle.agreement_review_terminate(
        review=review, by=governance_a, reason="Notice given.", end_date=D(2026, 12, 31)
    )
    agree(consent, governance_b)
    agreement.refresh_from_db()
    assert agreement.terminates_on == D(2026, 12, 31)
    assert agreement.review_date == D(2026, 8, 1)  # due before it ends: kept


def test_the_notice_period_is_the_agreements_own(agreement, governance_a, governance_b):
    agreement.notice_days = 90
    agreement.save()
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    consent = lifecycle.agreement_review_terminate(
        review=review, by=governance_a, reason="x", end_date=D(2026, 6, 1)
    )
    agree(consent, governance_b)
    agreement.refresh_from_db()
    assert agreement.terminates_on == D(2026, 8, 30)


def test_a_proposer_who_answers_for_every_party_ends_it_at_once(org_a, governance_a):
    """One party only (or one person answering for every party): agreed when proposed."""
    single = make_agreement(org_a, start=D(2025, 6, 1), review=D(2026, 9, 1))
    review = lifecycle.agreement_review_open(agreement=single, by=governance_a)
    consent = lifecycle.agreement_review_terminate(
        review=review, by=governance_a, reason="x", end_date=D(2026, 6, 1)
    )
    single.refresh_from_db()
    assert consent.status == ConsentStatus.AGREED
    assert single.terminates_on == D(2026, 7, 1)


@pytest.mark.parametrize(
    ("end_date", "message"),
    [(D(2025, 5, 1), "cannot end before it started"), (D(2029, 1, 1), "on or before")],
)
def test_terminate_refuses_dates_outside_the_agreement(agreement, governance_a, end_date, message):
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    with pytest.raises(DomainError, match=message):
        lifecycle.agreement_review_terminate(
            review=review, by=governance_a, reason="x", end_date=end_date
        )
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


def test_terminate_needs_a_reason(agreement, governance_a):
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    with pytest.raises(DomainError, match="reason"):
        lifecycle.agreement_review_terminate(
            review=review, by=governance_a, reason="  ", end_date=D(2026, 6, 1)
        )


# --- Vary and supersede ---------------------------------------------------------------------
@pytest.fixture
def approved_proposal(org_a, member_a):
    proposal = proposal_services.proposal_create(
        lead_organisation=org_a, title="Falls prevention referrals", by=member_a
    )
    # The review workflow is tested in tests/sharing_requests: here it is simply approved.
    Proposal.objects.filter(pk=proposal.pk).update(status=ProposalStatus.APPROVED)
    proposal.refresh_from_db()
    return proposal


@pytest.fixture
def portal_agreement(org_a, org_b, governance_a, governance_b, approved_proposal):
    return make_agreement(
        org_a, org_b, proposal=approved_proposal, start=D(2025, 6, 1), review=D(2026, 9, 1)
    )


def test_vary_sends_the_proposal_back_once_every_party_agrees(
    portal_agreement, approved_proposal, governance_a, governance_b, member_a
):
    review = lifecycle.agreement_review_open(agreement=portal_agreement, by=governance_b)
    consent = lifecycle.agreement_review_vary(
        review=review, by=governance_b, reason="Add the ambulance service."
    )
    # Pending until the other party agrees: the proposal is untouched.
    approved_proposal.refresh_from_db()
    assert approved_proposal.status == ProposalStatus.APPROVED
    assert consent.status == ConsentStatus.PENDING
    agree(consent, governance_a)
    approved_proposal.refresh_from_db()
    portal_agreement.refresh_from_db()
    review.refresh_from_db()
    assert approved_proposal.status == ProposalStatus.CHANGES_REQUESTED
    assert approved_proposal.events.filter(kind="sent_back").exists()
    # The authors hear why.
    assert any(n.kind == NotificationKind.CHANGES_REQUESTED for n in notified(member_a))
    # The agreement stays in force until the new version is signed.
    assert portal_agreement.status == AgreementStatus.ACTIVE
    assert review.outcome == ReviewOutcome.VARY and review.reason == "Add the ambulance service."
    assert portal_agreement.events.filter(kind="review_varied").exists()
    assert lifecycle.previous_for(proposal=approved_proposal) == portal_agreement


def test_vary_refuses_an_agreement_signed_outside_the_portal(org_a, org_b, governance_a):
    agreement = make_agreement(org_a, org_b, external=True)
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    with pytest.raises(DomainError, match="signed outside the portal"):
        lifecycle.agreement_review_vary(review=review, by=governance_a, reason="Change it")
    review.refresh_from_db()
    assert review.closed_at is None


def test_vary_refuses_while_a_new_version_is_in_preparation(
    portal_agreement, approved_proposal, org_a, org_b, governance_a
):
    make_agreement(
        org_a, org_b, proposal=approved_proposal, status=AgreementStatus.AWAITING_SIGNATURES
    )
    review = lifecycle.agreement_review_open(agreement=portal_agreement, by=governance_a)
    with pytest.raises(DomainError, match="already being prepared"):
        lifecycle.agreement_review_vary(review=review, by=governance_a, reason="Again")
    approved_proposal.refresh_from_db()
    assert approved_proposal.status == ProposalStatus.APPROVED


def test_new_version_becoming_active_supersedes_the_old(
    portal_agreement, approved_proposal, org_a, org_b, governance_a, governance_b
):
    review = lifecycle.agreement_review_open(agreement=portal_agreement, by=governance_a)
    consent = lifecycle.agreement_review_vary(
        review=review, by=governance_a, reason="Add a data item."
    )
    agree(consent, governance_b)
    # ...the new version is reviewed, approved, generated and signed...
    new = make_agreement(org_a, org_b, proposal=approved_proposal, status=AgreementStatus.SEALING)
    new.status = AgreementStatus.ACTIVE
    new.save()
    assert lifecycle.on_activated(new) == portal_agreement
    assert new.previous_id == portal_agreement.pk  # the caller's copy is linked too
    portal_agreement.refresh_from_db()
    new.refresh_from_db()
    assert new.previous == portal_agreement
    assert portal_agreement.status == AgreementStatus.SUPERSEDED
    assert portal_agreement.end_reason == f"Replaced by {new.reference}"
    assert reasons(portal_agreement)[-1] == "isf.agreement.superseded"
    assert portal_agreement.events.filter(kind="superseded").exists()
    assert new.events.filter(kind="replaces").exists()
    # Idempotent.
    assert lifecycle.on_activated(new) is None
    assert portal_agreement.events.filter(kind="superseded").count() == 1


def test_on_activated_of_a_first_agreement_changes_nothing(portal_agreement):
    assert lifecycle.on_activated(portal_agreement) is None
    portal_agreement.refresh_from_db()
    assert portal_agreement.previous is None
    assert portal_agreement.status == AgreementStatus.ACTIVE


# --- Expiry ---------------------------------------------------------------------------------
def test_agreement_expires_the_day_after_its_end_date(org_a, org_b, governance_a, governance_b):
    agreement = make_agreement(org_a, org_b, end=D(2026, 6, 1), review=D(2026, 5, 1))
    review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
    assert lifecycle.lifecycle_daily()["expired"] == 0  # its last day
    with at(D(2026, 6, 2)):
        assert lifecycle.lifecycle_daily()["expired"] == 1
        assert lifecycle.lifecycle_daily()["expired"] == 0
    agreement.refresh_from_db()
    review.refresh_from_db()
    assert agreement.status == AgreementStatus.EXPIRED
    assert agreement.ended_at is not None
    assert reasons(agreement)[-1] == "isf.agreement.expired"
    assert agreement.events.filter(kind="expired").count() == 1
    assert review.closed_at is not None and review.outcome == ""  # closed with it
    for officer in (governance_a, governance_b):
        assert len([n for n in notified(officer) if "expired" in n.title]) == 1


def test_agreements_without_an_end_date_never_expire(org_a, org_b):
    agreement = make_agreement(org_a, org_b, end=None)
    with at(D(2040, 1, 1)):
        lifecycle.lifecycle_daily()
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE


# --- Review reminders -----------------------------------------------------------------------
def test_reminders_go_60_and_14_days_before_the_review_date_once_each(
    org_a, org_b, governance_a, governance_b, member_a
):
    agreement = make_agreement(org_a, org_b, review=D(2026, 8, 1))  # 61 days away
    assert lifecycle.lifecycle_daily()["reminders"] == 0
    with at(D(2026, 6, 2)):  # 60 days before
        assert lifecycle.lifecycle_daily()["reminders"] == 1
        assert lifecycle.lifecycle_daily()["reminders"] == 0
    with at(D(2026, 6, 3)):
        assert lifecycle.lifecycle_daily()["reminders"] == 0
    with at(D(2026, 7, 18)):  # 14 days before
        assert lifecycle.lifecycle_daily()["reminders"] == 1
        assert lifecycle.lifecycle_daily()["reminders"] == 0
    with at(D(2026, 7, 31)):
        assert lifecycle.lifecycle_daily()["reminders"] == 0
    assert sorted(
        LifecycleReminder.objects.filter(agreement=agreement).values_list("days_before", flat=True)
    ) == [14, 60]
    for officer in (governance_a, governance_b):
        reminders = notified(officer, NotificationKind.REMINDER)
        assert len(reminders) == 2
        assert all("Review due on 1 August 2026" in n.title for n in reminders)
    assert notified(member_a) == []  # governance officers are told, not every member
    email = Email.objects.filter(to=governance_a.email).order_by("created_at").last()
    assert "in 14 days" in email.body_text


def test_a_missed_day_catches_up_with_one_reminder(org_a, org_b, governance_a):
    agreement = make_agreement(org_a, org_b, review=D(2026, 6, 11))  # 10 days away
    assert lifecycle.lifecycle_daily()["reminders"] == 1
    assert LifecycleReminder.objects.filter(agreement=agreement).count() == 2
    assert len(notified(governance_a, NotificationKind.REMINDER)) == 1


def test_a_new_review_date_gets_its_own_reminders(agreement, governance_a):
    with at(D(2026, 7, 4)):  # 59 days before 1 September
        assert lifecycle.lifecycle_daily()["reminders"] == 1
        review = lifecycle.agreement_review_open(agreement=agreement, by=governance_a)
        lifecycle.agreement_review_continue(
            review=review, by=governance_a, new_review_date=D(2026, 8, 20)
        )
        assert lifecycle.lifecycle_daily()["reminders"] == 1
    assert set(LifecycleReminder.objects.values_list("review_date", "days_before")) == {
        (D(2026, 9, 1), 60),
        (D(2026, 8, 20), 60),
    }


def test_party_without_governance_officer_hears_through_its_ig_mailbox(org_a, org_c, governance_a):
    org_c.ig_mailbox = "ig@collyhurst.example"
    org_c.save()
    make_agreement(org_a, org_c, review=D(2026, 6, 20))
    lifecycle.lifecycle_daily()
    assert Email.objects.filter(to="ig@collyhurst.example", recipient=None).count() == 1
    assert Email.objects.filter(to=governance_a.email).count() == 1


def test_no_reminders_for_agreements_not_in_force(org_a, org_b, governance_a):
    make_agreement(org_a, org_b, review=D(2026, 6, 20), status=AgreementStatus.EXPIRED)
    make_agreement(org_a, org_b, review=D(2026, 6, 20), status=AgreementStatus.SUPERSEDED)
    assert lifecycle.lifecycle_daily()["reminders"] == 0
    assert not LifecycleReminder.objects.exists()


# --- The task -------------------------------------------------------------------------------
def test_daily_task_runs_the_lifecycle_and_is_on_the_beat_schedule(org_a, org_b):
    make_agreement(org_a, org_b, end=D(2026, 5, 31))
    make_agreement(org_a, org_b, review=D(2026, 7, 1))
    result = lifecycle_daily_task.apply().get()
    assert result == {"terminated": 0, "expired": 1, "reminders": 1}
    assert lifecycle_daily_task.apply().get() == {"terminated": 0, "expired": 0, "reminders": 0}
    entry = settings.CELERY_BEAT_SCHEDULE["agreements-lifecycle-daily"]
    assert entry["task"] == lifecycle_daily_task.name == "agreements.lifecycle_daily"
    assert Agreement.objects.filter(status=AgreementStatus.EXPIRED).count() == 1


def test_removing_a_governance_officer_stops_their_reminders(org_a, org_b, governance_a):
    from organisations.services import membership_set_roles
    from tests.factories import membership

    admin = member_of(org_a, Role.ORG_ADMIN, email="admin2@ardwick.example")
    membership_set_roles(membership=membership(governance_a, org_a), roles=[Role.MEMBER], by=admin)
    make_agreement(org_a, org_b, review=D(2026, 6, 20))
    lifecycle.lifecycle_daily()
    assert notified(governance_a) == []
