"""Reminders after N working days and every N working days after (England and Wales bank
holidays and weekends do not count), never twice for the same step on one day; after M
working days the steering-group chair hears which organisations are overdue."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from notifications.models import Email, Notification, NotificationKind
from sharing_requests.models import ReminderLog
from tests.workflow.conftest import LEAD_IG, PARTNER_IG, current_round, url

LONDON = ZoneInfo("Europe/London")
REMINDER, ESCALATION = NotificationKind.REMINDER, NotificationKind.ESCALATION


def at(day: date, hour: int = 7) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=LONDON)


def open_on(wf, proposal, day: date, *, by):
    with time_machine.travel(at(day, 9), tick=False):
        wf.submit(proposal, by=by)
    mail.outbox.clear()


def run_daily(wf, first: date, last: date) -> dict:
    """review_daily twice each morning from `first` to `last`; what each day's runs did."""
    done = {}
    day = first
    while day <= last:
        with time_machine.travel(at(day), tick=False):
            done[day] = (wf.daily(), wf.daily())
        day += timedelta(days=1)
    return done


def days_sent(kind, user=None) -> list[date]:
    found = Notification.objects.filter(kind=kind)
    if user is not None:
        found = found.filter(user=user)
    return sorted(n.created_at.astimezone(LONDON).date() for n in found)


@pytest.fixture
def christmas(wf, complete_proposal, member_a, approver_a, approver_b, chair):
    """Opened Monday 14 December 2026. Working days after it: 21 Dec is the 5th; Christmas
    Day, Boxing Day (observed Monday 28th) and New Year's Day do not count, so the 10th is
    Wednesday 30 December and the 15th Thursday 7 January 2027."""
    open_on(wf, complete_proposal, date(2026, 12, 14), by=member_a)
    return complete_proposal


def test_reminders_after_five_working_days_and_every_five_after_skipping_bank_holidays(
    wf, christmas, approver_a, approver_b
):
    done = run_daily(wf, date(2026, 12, 14), date(2027, 1, 8))

    expected = [date(2026, 12, 21), date(2026, 12, 30), date(2027, 1, 7)]
    assert days_sent(REMINDER, approver_a) == expected
    assert days_sent(REMINDER, approver_b) == expected
    # The second run each day found nothing left to do.
    assert all(
        second == {"reminders": 0, "escalations": 0, "closed": 0} for _, second in done.values()
    )
    assert done[date(2026, 12, 21)][0]["reminders"] == 2
    # Weekends and bank holidays send nothing, not even Friday's or Thursday's again.
    for quiet in (date(2026, 12, 19), date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)):
        assert done[quiet][0] == {"reminders": 0, "escalations": 0, "closed": 0}
    assert ReminderLog.objects.filter(kind="reminder").count() == 6


def test_reminder_emails_link_to_the_review_and_copy_the_ig_mailbox(
    wf, christmas, approver_a, approver_b
):
    run_daily(wf, date(2026, 12, 21), date(2026, 12, 21))

    reminders = {m.to[0]: m for m in mail.outbox}
    assert set(reminders) == {approver_a.email, approver_b.email}
    assert reminders[approver_b.email].cc == [PARTNER_IG]
    assert reminders[approver_a.email].cc == [LEAD_IG]
    body = reminders[approver_b.email].body
    assert "waiting 5 working days for the decision of Bradford Park NHS Trust" in body
    assert url("review", christmas) in body


def test_after_ten_working_days_the_chair_hears_which_organisations_are_overdue(
    wf, christmas, org_a, org_b, approver_b, chair
):
    run_daily(wf, date(2026, 12, 14), date(2026, 12, 22))
    with time_machine.travel(at(date(2026, 12, 22), 11), tick=False):
        wf.decide(christmas, org_b, by=approver_b)  # the trust decides; Ardwick does not
    run_daily(wf, date(2026, 12, 23), date(2027, 1, 7))

    assert days_sent(ESCALATION, chair) == [date(2026, 12, 30), date(2027, 1, 7)]
    assert days_sent(ESCALATION) == days_sent(ESCALATION, chair)  # nobody else
    escalation = Email.objects.filter(recipient=chair, subject__startswith="Overdue").last()
    assert "Ardwick Borough Council" in escalation.body_text
    assert "Bradford Park NHS Trust" not in escalation.body_text
    assert "10 working days" in escalation.body_text
    # The trust's approver is no longer reminded once the trust has decided.
    assert days_sent(REMINDER, approver_b) == [date(2026, 12, 21)]


def test_nothing_is_sent_before_five_working_days(wf, christmas):
    run_daily(wf, date(2026, 12, 14), date(2026, 12, 20))
    assert not Notification.objects.filter(kind__in=[REMINDER, ESCALATION]).exists()
    assert mail.outbox == []


def test_reminders_skip_easter(wf, complete_proposal, member_a, approver_b):
    # Opened Friday 19 March 2027. Good Friday (26th) and Easter Monday (29th) do not count:
    # the 5th working day is Tuesday 30 March.
    open_on(wf, complete_proposal, date(2027, 3, 19), by=member_a)

    run_daily(wf, date(2027, 3, 19), date(2027, 4, 7))

    assert days_sent(REMINDER, approver_b) == [date(2027, 3, 30), date(2027, 4, 6)]


def test_a_delegate_is_reminded_but_not_the_submitter(
    wf, complete_proposal, org_a, org_b, member_a, approver_b, member_b
):
    from organisations.models import Delegation, Role
    from organisations.services import membership_set_roles
    from tests.factories import membership

    # member_a submits and is also Ardwick's only approver: nobody reminds them of it.
    membership_set_roles(
        membership=membership(member_a, org_a), roles=[Role.MEMBER, Role.APPROVER], by=member_a
    )
    Delegation.objects.create(
        organisation=org_b,
        approver=approver_b,
        delegate=member_b,
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 1, 31),
    )
    open_on(wf, complete_proposal, date(2026, 12, 14), by=member_a)

    run_daily(wf, date(2026, 12, 21), date(2026, 12, 21))

    assert sorted(m.to[0] for m in mail.outbox) == sorted([approver_b.email, member_b.email])
    assert not Notification.objects.filter(user=member_a, kind=REMINDER).exists()


def test_a_closed_round_sends_no_reminders(wf, christmas, org_b, approver_b):
    with time_machine.travel(at(date(2026, 12, 15), 11), tick=False):
        wf.decide(christmas, org_b, by=approver_b, status="declined", comment="No")
    assert not current_round(christmas).is_open

    run_daily(wf, date(2026, 12, 21), date(2026, 12, 30))

    assert not Notification.objects.filter(kind__in=[REMINDER, ESCALATION]).exists()


def test_a_reminder_that_fails_is_not_marked_sent_and_goes_out_on_the_next_run(
    wf, christmas, approver_a, approver_b, monkeypatch
):
    from sharing_requests.rounds import daily

    notify = daily.notify
    failed = []

    def flaky(**kwargs):
        if kwargs["user"] == approver_b and not failed:
            failed.append(kwargs["user"])
            raise RuntimeError("template missing")
        return notify(**kwargs)

    monkeypatch.setattr(daily, "notify", flaky)
    with time_machine.travel(at(date(2026, 12, 21)), tick=False):
        with pytest.raises(RuntimeError):
            wf.daily()
        assert not ReminderLog.objects.filter(user=approver_b).exists()
        wf.daily()  # the job runs again (Celery retries it, or the next beat)

    assert days_sent(REMINDER, approver_b) == [date(2026, 12, 21)]
    assert days_sent(REMINDER, approver_a) == [date(2026, 12, 21)]
