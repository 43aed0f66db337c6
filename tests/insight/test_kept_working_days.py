"""The working days that decisions, rounds and signatures keep for the insight figures, as
the real services write them: across bank holidays, in London's local days, and read by the
figures instead of the calendar."""

from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from agreements import signing
from agreements.generation import services as generation
from agreements.models import Agreement, Signature
from benchmarks.seed import seed
from insight.calendar import calendar_ensure
from insight.figures import Scope, figures_all
from sharing_requests import services
from sharing_requests.models import OrganisationDecision, ReviewRound
from sharing_requests.rounds import rounds
from sharing_requests.workdays import working_days_from
from tests.agreements.proposal_builders import approve, build_proposal

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def travel(day: date, hour: int = 10, minute: int = 0):
    moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)
    return time_machine.travel(moment, tick=False)


def figure(scope, slug):
    calendar_ensure(scope.today)
    return next(f for f in figures_all(scope) if f.slug == slug)


def test_decisions_and_their_round_keep_working_days_across_a_bank_holiday(
    org_a, org_b, member_a, approver_a, approver_b
):
    """Opened Fri 22 Aug 2025; A decides Tue 26 Aug (1 working day: Mon 25 Aug is the summer
    bank holiday), B on Fri 29 Aug (4), which closes the round (4)."""
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a)
    with travel(date(2025, 8, 22)):
        version = services.proposal_submit(proposal=proposal, by=member_a)
        round_ = rounds.round_open(version_id=version.pk)
    decisions = {d.organisation_id: d for d in round_.decisions.all()}
    assert {d.days_to_decide for d in decisions.values()} == {None}
    with travel(date(2025, 8, 26)):
        rounds.decision_record(
            decision=decisions[org_a.pk], by=approver_a, status="approved", comment=""
        )
    with travel(date(2025, 8, 29), 16):
        rounds.decision_record(
            decision=decisions[org_b.pk], by=approver_b, status="approved", comment=""
        )
    kept = dict(
        OrganisationDecision.objects.filter(round=round_).values_list(
            "organisation_id", "days_to_decide"
        )
    )
    assert kept == {org_a.pk: 1, org_b.pk: 4}
    round_.refresh_from_db()
    assert (round_.outcome, round_.days_open) == ("approved", 4)

    scope = Scope(today=date(2025, 9, 1))
    assert figure(scope, "decision-times").rows == [["Q3 2025", 1, 4.0, 4.0]]
    found = {row[0]: row for row in figure(scope, "organisations").rows}
    assert found[org_a.name][1:3] == [1, 1.0]
    assert found[org_b.name][1:3] == [1, 4.0]


def test_the_days_are_london_days_not_utc_ones(org_a, org_b, member_a, approver_a):
    """Opened at 00:30 on Mon 1 Sep 2025 in London (23:30 on Sunday in UTC), decided on Tue
    2 Sep: one working day, where UTC's days would count two."""
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a)
    with travel(date(2025, 9, 1), 0, 30):
        version = services.proposal_submit(proposal=proposal, by=member_a)
        round_ = rounds.round_open(version_id=version.pk)
    decision = round_.decisions.get(organisation=org_a)
    with travel(date(2025, 9, 2)):
        rounds.decision_record(decision=decision, by=approver_a, status="approved", comment="")
    decision.refresh_from_db()
    assert decision.days_to_decide == 1


def test_a_withdrawn_round_keeps_how_long_it_was_open(org_a, org_b, member_a):
    """Opened Fri 19 Dec 2025, withdrawn Mon 5 Jan 2026: 8 working days (25, 26 Dec and
    1 Jan are bank holidays)."""
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a)
    with travel(date(2025, 12, 19)):
        version = services.proposal_submit(proposal=proposal, by=member_a)
        round_ = rounds.round_open(version_id=version.pk)
    proposal.refresh_from_db()
    with travel(date(2026, 1, 5)):
        services.proposal_withdraw(proposal=proposal, by=member_a, reason="No longer needed")
    round_.refresh_from_db()
    assert (round_.outcome, round_.days_open) == ("withdrawn", 8)


def test_signatures_keep_working_days_since_the_agreement_was_prepared(
    org_a, org_b, member_a, approver_a, approver_b, signatory_a, signatory_b, password
):
    """Prepared Fri 19 Dec 2025; A signs Fri 2 Jan 2026 (7 working days: 25, 26 Dec and
    1 Jan are bank holidays), B Mon 5 Jan (8)."""
    proposal = build_proposal(lead=org_a, partners=[org_b], author=member_a)
    with travel(date(2025, 12, 19)):
        version = approve(
            proposal, author=member_a, approvers={org_a.pk: approver_a, org_b.pk: approver_b}
        )
        generation.agreement_generate(version_id=version.pk)
    agreement = Agreement.objects.get(version=version)
    for day, user in ((date(2026, 1, 2), signatory_a), (date(2026, 1, 5), signatory_b)):
        with travel(day, 11):
            agreement.refresh_from_db()
            for owed in signing.owed_by(user=user, agreement=agreement):
                signing.signature_record(
                    agreement=agreement,
                    by=user,
                    party=owed.party,
                    capacity=owed.capacity,
                    password=password,
                    pdf_sha256=agreement.draft_sha256,
                    job_title="Senior Information Risk Owner",
                )
    kept = dict(
        Signature.objects.filter(agreement=agreement).values_list(
            "party__organisation_id", "days_to_sign"
        )
    )
    assert kept == {org_a.pk: 7, org_b.pk: 8}

    found = {row[0]: row for row in figure(Scope(today=date(2026, 1, 6)), "organisations").rows}
    assert found[org_a.name][5:7] == [1, 7.0]
    assert found[org_b.name][5:7] == [1, 8.0]


def test_the_demo_history_keeps_the_days_of_the_moments_it_moves():
    """The demo's year of history moves decisions, rounds and signatures to past days after
    the services recorded them: what they keep is worked out again from the moved moments."""
    call_command("seed_demo", stdout=StringIO())
    decisions = OrganisationDecision.objects.filter(decided_at__isnull=False)
    rounds_closed = ReviewRound.objects.filter(closed_at__isnull=False)
    signatures = Signature.objects.all()
    assert decisions.exists() and rounds_closed.exists() and signatures.exists()
    for d in decisions.select_related("round"):
        assert d.days_to_decide == working_days_from(d.round.opened_at, d.decided_at), d
    for r in rounds_closed:
        assert r.days_open == working_days_from(r.opened_at, r.closed_at), r
    for s in signatures.select_related("agreement"):
        assert s.days_to_sign == working_days_from(s.agreement.created_at, s.signed_at), s
    # Some of it took time, as a year of history does.
    assert decisions.filter(days_to_decide__gt=0).exists()


def test_the_benchmark_seed_keeps_the_days_of_what_it_inserts():
    seed(organisations=12, users=120, proposals=40, agreements=8)  # make test's tiny bench
    decisions = OrganisationDecision.objects.filter(decided_at__isnull=False)
    assert decisions.exists()
    for d in decisions.select_related("round"):
        assert d.days_to_decide == working_days_from(d.round.opened_at, d.decided_at), d
    for r in ReviewRound.objects.all():
        closed = r.closed_at is not None
        assert r.days_open == (working_days_from(r.opened_at, r.closed_at) if closed else None)
    assert Signature.objects.exists()
    for s in Signature.objects.select_related("agreement"):
        assert s.days_to_sign == working_days_from(s.agreement.created_at, s.signed_at), s
