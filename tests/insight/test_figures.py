"""Every insight figure against values worked out by hand on a fixed history, on the
database the suite runs on (PostgreSQL's percentile_cont in CI, the Python fallback on
SQLite), and query counts that do not grow with the data."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from insight.calendar import calendar_ensure, day
from insight.figures import Scope, figures_all
from insight.models import CalendarDay
from insight.stats import percentile, spreads
from sharing_requests.models import Proposal

from .builders import TODAY, close, decide, in_review, resubmit, signed_agreement

pytestmark = pytest.mark.django_db


def figure(scope, slug):
    return next(f for f in figures_all(scope) if f.slug == slug)


@pytest.fixture
def history(org_a, org_b, member_a):
    """Three decided rounds and one still open:
    - P1 submitted Fri 22 Aug 2025, decided Fri 29 Aug: 4 working days (Mon 25 Aug is the
      summer bank holiday); org A decided on 26 Aug (1), org B on 29 Aug (4).
    - P2 submitted Mon 1 Sep, decided Mon 15 Sep: 10 working days; B asked for changes to
      Purpose and Needs on 15 Sep (10), A approved on 3 Sep (2).
    - P3 submitted Fri 19 Dec, decided Mon 5 Jan 2026: 8 working days (25, 26 Dec and 1 Jan
      are bank holidays); A on 2 Jan (7), B on 5 Jan (8).
    - P4 submitted Thu 18 Dec 2025, still open on 15 Jan 2026: org B's decision is pending
      for 17 working days, past the 10-day escalation, so overdue; A decided on 19 Dec (1).
    """
    r1 = in_review(
        lead=org_a, partners=[org_b], author=member_a, title="P1", submitted=date(2025, 8, 22)
    )
    decide(r1, org_a, on=date(2025, 8, 26))
    decide(r1, org_b, on=date(2025, 8, 29))
    close(r1, on=date(2025, 8, 29))
    r2 = in_review(
        lead=org_a, partners=[org_b], author=member_a, title="P2", submitted=date(2025, 9, 1)
    )
    decide(r2, org_a, on=date(2025, 9, 3))
    decide(
        r2, org_b, on=date(2025, 9, 15), status="changes_requested", sections=["purpose", "needs"]
    )
    close(r2, on=date(2025, 9, 15), outcome="changes_requested")
    Proposal.objects.filter(pk=r2.proposal_id).update(status="changes_requested")
    r3 = in_review(
        lead=org_a, partners=[org_b], author=member_a, title="P3", submitted=date(2025, 12, 19)
    )
    decide(r3, org_a, on=date(2026, 1, 2))
    decide(r3, org_b, on=date(2026, 1, 5))
    close(r3, on=date(2026, 1, 5))
    r4 = in_review(
        lead=org_a, partners=[org_b], author=member_a, title="P4", submitted=date(2025, 12, 18)
    )
    decide(r4, org_a, on=date(2025, 12, 19))
    return r1, r2, r3, r4


def test_the_calendar_counts_working_days_as_the_portal_does():
    calendar_ensure(TODAY)
    assert CalendarDay.objects.get(day=date(2025, 12, 25)).is_working is False
    # Fri 19 Dec 2025 to Mon 5 Jan 2026: 25, 26 Dec and 1 Jan are bank holidays.
    [spread] = spreads(
        CalendarDay.objects.filter(day=date(2025, 12, 19)),
        day(date(2025, 12, 19)),
        day(date(2026, 1, 5)),
    )
    assert (spread.count, spread.median, spread.p90) == (1, 8.0, 8.0)


def test_percentiles_interpolate_like_percentile_cont():
    assert percentile([4, 10], 0.5) == 7
    assert percentile([4, 10], 0.9) == pytest.approx(9.4)
    assert percentile([3], 0.9) == 3
    assert percentile([], 0.5) is None


def test_time_to_decision_by_quarter(history):
    rows = figure(Scope(today=TODAY), "decision-times").rows
    assert rows == [["Q3 2025", 2, 7.0, 9.4], ["Q1 2026", 1, 8.0, 8.0]]


def test_kept_statements_read_the_data_afresh(history, org_a, org_b, org_c, member_a):
    """Each scope's statements are compiled once and kept (insight.scope.planned); what they
    find is read again on every call, and another scope keeps its own statements."""
    assert figure(Scope(today=TODAY, organisation=org_c), "decision-times").rows == []
    figure(Scope(today=TODAY, organisation=org_a), "decision-times")  # compiled and kept
    r = in_review(
        lead=org_a, partners=[org_b], author=member_a, title="P5", submitted=date(2025, 8, 22)
    )
    close(r, on=date(2025, 8, 29))
    # The kept statement finds the new decision: 4, 4 and 10 working days in Q3 2025.
    rows = figure(Scope(today=TODAY, organisation=org_a), "decision-times").rows
    assert rows == [["Q3 2025", 3, 4.0, 8.8], ["Q1 2026", 1, 8.0, 8.0]]
    # Organisation C takes no part in P5: its own statement still finds nothing.
    assert figure(Scope(today=TODAY, organisation=org_c), "decision-times").rows == []


def test_scopes_of_one_shape_share_a_statement_with_their_own_values(history, org_a, org_c):
    """A statement is compiled once per shape of scope (which filters are set) and each scope's
    own organisation, sector, data category and start date are swapped in: two organisations
    and two periods share one statement each and still get their own figures."""
    connection.insight_plans = {}
    assert figure(Scope(today=TODAY, organisation=org_c), "decision-times").rows == []
    rows = figure(Scope(today=TODAY, organisation=org_a), "decision-times").rows
    assert rows == [["Q3 2025", 2, 7.0, 9.4], ["Q1 2026", 1, 8.0, 8.0]]
    later = figure(Scope(today=TODAY, since=date(2025, 10, 1)), "decision-times").rows
    assert later == [["Q1 2026", 1, 8.0, 8.0]]
    every = figure(Scope(today=TODAY, since=date(2025, 1, 1)), "decision-times").rows
    assert every == [["Q3 2025", 2, 7.0, 9.4], ["Q1 2026", 1, 8.0, 8.0]]
    assert figure(Scope(today=TODAY, sector="police"), "decision-times").rows == []
    assert figure(Scope(today=TODAY, category="health"), "decision-times").rows == []
    assert figure(Scope(today=TODAY, sector=org_a.sector), "decision-times").rows == rows
    kept = [key for key in connection.insight_plans if key[0] == "decision-times"]
    assert len(kept) == 4  # by organisation, by period, by sector, by data category


def test_the_period_leaves_out_older_decisions(history):
    rows = figure(Scope(today=TODAY, since=date(2025, 10, 1)), "decision-times").rows
    assert rows == [["Q1 2026", 1, 8.0, 8.0]]


def test_organisations_time_to_decide_and_overdue_now(history, org_a, org_b):
    found = {row[0]: row for row in figure(Scope(today=TODAY), "organisations").rows}
    # A: 1, 2, 7, 1 -> median 1.5, p90 5.5; B: 4, 10, 8 -> median 8, p90 9.6; B owes P4.
    assert found[org_a.name][1:5] == [4, 1.5, 5.5, 0]
    assert found[org_b.name][1:5] == [3, 8.0, 9.6, 1]
    # The slowest to decide come first.
    assert figure(Scope(today=TODAY), "organisations").rows[0][0] == org_b.name


def test_stages_now_count_and_time_in_stage(history):
    rows = {row[0]: row for row in figure(Scope(today=TODAY), "stages").rows}
    # P4 in review since 18 Dec: 17 working days by 15 Jan (19, 22-24, 29-31 Dec, 2, 5-9,
    # 12-15 Jan). P1 and P3 keep their status but have no open round: not counted.
    assert rows["In review"][1:] == [1, 17.0, 17.0]
    # P2: changes requested since 15 Sep 2025: 11 + 23 + 20 + 21 + 10 = 85 working days to 15 Jan.
    assert rows["Changes requested"][1:] == [1, 85.0, 85.0]


def test_stages_read_a_proposals_newest_round(history, member_a):
    """P2 asked for changes on 15 Sep, was submitted again on Mon 1 Dec and asked for changes
    again on Fri 9 Jan 2026: in "changes requested" for 4 working days (12-15 Jan), not 85.
    P1 (approved in round 1) submitted again on Fri 9 Jan and still open: in review for 4."""
    r1, r2, _r3, _r4 = history
    again = resubmit(r2, author=member_a, submitted=date(2025, 12, 1))
    close(again, on=date(2026, 1, 9), outcome="changes_requested")
    Proposal.objects.filter(pk=r2.proposal_id).update(status="changes_requested")
    resubmit(r1, author=member_a, submitted=date(2026, 1, 9))
    scope = Scope(today=TODAY)
    rows = {row[0]: row for row in figure(scope, "stages").rows}
    assert rows["Changes requested"][1:] == [1, 4.0, 4.0]
    # P4 (17 working days) and P1 (4): median 10.5, 90th percentile 15.7.
    assert rows["In review"][1:] == [2, 10.5, 15.7]
    assert figure(scope, "rounds").rows[:2] == [["1 round", 2], ["2 rounds", 2]]


def test_sections_sent_back_and_rounds_per_proposal(history):
    scope = Scope(today=TODAY)
    assert figure(scope, "sections").rows == [["Needs", 1], ["Purpose", 1]]
    assert figure(scope, "rounds").rows == [
        ["1 round", 4],
        ["2 rounds", 0],
        ["3 rounds", 0],
        ["4 or more", 0],
    ]


def test_time_from_approval_to_last_signature(history, org_a, org_b, member_a, approver_b):
    proposal = Proposal.objects.get(title="P1")
    # Prepared Fri 29 Aug; A signed Tue 2 Sep (2), B Fri 5 Sep (5): 5 working days.
    signed_agreement(
        proposal,
        approved=date(2025, 8, 29),
        signatures=[(date(2025, 9, 2), org_a, member_a), (date(2025, 9, 5), org_b, approver_b)],
        reference="DSA-T-1",
    )
    scope = Scope(today=TODAY)
    assert figure(scope, "signing-times").rows == [["Q3 2025", 1, 5.0, 5.0]]
    found = {row[0]: row for row in figure(scope, "organisations").rows}
    assert found[org_a.name][5:] == [1, 2.0]
    assert found[org_b.name][5:] == [1, 5.0]


def test_filters_by_organisation_sector_and_data(history, org_a, org_c, outsider):
    other = in_review(
        lead=org_c,
        partners=[org_a],
        author=outsider,
        title="Elsewhere",
        submitted=date(2025, 8, 22),
    )
    close(other, on=date(2025, 9, 5))
    assert figure(Scope(today=TODAY, organisation=org_c), "decision-times").rows == [
        ["Q3 2025", 1, 9.0, 9.0]  # 26-29 Aug and 1-5 Sep; 25 Aug is a bank holiday
    ]
    # org_b is the NHS trust: only the four history proposals have an NHS party.
    assert figure(Scope(today=TODAY, sector="nhs"), "rounds").rows[0] == ["1 round", 4]
    # The builders' single data item is personal data: nothing has criminal offence data.
    assert figure(Scope(today=TODAY, category="criminal"), "decision-times").rows == []


def test_query_counts_do_not_grow_with_the_data(history, org_a, org_b, member_a):
    calendar_ensure(TODAY)
    figures_all(Scope(today=TODAY))  # the organisations list is read once per version
    with CaptureQueriesContext(connection) as small:
        figures_all(Scope(today=TODAY))
    for n in range(3):
        r = in_review(
            lead=org_a,
            partners=[org_b],
            author=member_a,
            title=f"More {n}",
            submitted=date(2025, 11, 3),
        )
        decide(r, org_b, on=date(2025, 11, 10), status="changes_requested", sections=["who"])
        close(r, on=date(2025, 11, 10), outcome="changes_requested")
    with CaptureQueriesContext(connection) as large:
        figures_all(Scope(today=TODAY))
    assert len(large.captured_queries) == len(small.captured_queries)


def test_agreements_meeting_partly_meeting_and_missing_their_outcomes(
    history, org_a, org_b, member_a, approver_b
):
    """By each outcome's latest judgement on each agreement:
    - P1's agreement: falls not met, then met; visits met → all met: meeting.
    - P3's agreement: met and partly met → partly meeting.
    - P2's agreement: met, then not met → missing.
    - P4's agreement: an outcome, nothing recorded → no outcome recorded yet.
    - an agreement of a proposal without outcomes counts nowhere."""
    from agreements.models import OutcomeUpdate
    from sharing_requests.models import MeasurableOutcome

    r1, r2, r3, r4 = history
    signers = [(date(2025, 9, 1), org_a, member_a), (date(2025, 9, 2), org_b, approver_b)]
    agreements = {
        r.proposal_id: signed_agreement(
            r.proposal, approved=date(2025, 9, 1), signatures=signers, reference=f"DSA-O-{n}"
        )
        for n, r in enumerate(history)
    }
    plain = in_review(
        lead=org_a, partners=[org_b], author=member_a, title="P5", submitted=date(2025, 9, 1)
    )
    signed_agreement(plain.proposal, approved=date(2025, 9, 1), signatures=signers, reference="X")
    MeasurableOutcome.objects.filter(proposal_id=plain.proposal_id).delete()

    def outcome(r, name):
        return MeasurableOutcome.objects.create(proposal_id=r.proposal_id, description=name)

    def judge(r, o, judgement):
        OutcomeUpdate.objects.create(
            outcome=o,
            agreement=agreements[r.proposal_id],
            achieved="a",
            judgement=judgement,
            evidence="e",
            recorded_by=member_a,
        )

    falls, visits = outcome(r1, "falls"), outcome(r1, "visits")
    judge(r1, falls, "not_met")
    judge(r1, falls, "met")
    judge(r1, visits, "met")
    judge(r3, outcome(r3, "a"), "met")
    judge(r3, outcome(r3, "b"), "partly_met")
    c = outcome(r2, "c")
    judge(r2, c, "met")
    judge(r2, c, "not_met")
    outcome(r4, "d")

    rows = figure(Scope(today=TODAY), "outcomes").rows
    assert [n for _label, n in rows] == [1, 1, 1, 1]
    # A sector no party is in: nothing.
    assert [
        n
        for _label, n in figure(Scope(today=TODAY, organisation=None, sector="x"), "outcomes").rows
    ] == [0, 0, 0, 0]
