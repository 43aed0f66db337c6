"""The insight page's figures, each computed in the database over the proposals in scope.

Every figure is a `Figure`: a title, a description screen readers announce with its chart,
columns and rows (the data table and the CSV are the same rows), and the bars its chart
draws. Times are in working days (insight.calendar), medians and 90th percentiles come from
insight.stats."""

from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime
from itertools import groupby

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q
from django.db.models.functions import TruncQuarter
from django.utils.translation import gettext as _

from agreements.models import Agreement, AgreementStatus, OutcomeUpdate, Signature
from organisations.selectors import organisation_choices
from sharing_requests.choices import ProposalStatus, Section
from sharing_requests.models import (
    MeasurableOutcome,
    OrganisationDecision,
    ReviewRound,
)
from sharing_requests.models.rounds import DecisionStatus
from sharing_requests.selectors import overdue_if_opened_before

from .calendar import calendar_ensure, day
from .figure import Bar, Figure, number, spread_figure
from .scope import Scope, planned
from .stats import (
    Spread,
    compiled,
    fetch_all,
    fetch_dict,
    spreads_plan,
    spreads_run,
    tally_elements_plan,
    tally_plan,
)

__all__ = ["FIGURES", "Figure", "Scope", "figures_all", "one_process"]


def _decision_times_plan(scope: Scope):
    rounds = ReviewRound.objects.filter(
        Q(closed_at__isnull=False)
        & scope.since_q("closed_at")
        & scope.in_scope(ReviewRound, "proposal")
    ).exclude(outcome="withdrawn")
    # The working days from opening to closing, kept on the round when it closed.
    return spreads_plan([(rounds, "days_open")], TruncQuarter("closed_at"))


def decision_times(scope: Scope) -> Figure:
    [found] = spreads_run(planned(scope, "decision-times", _decision_times_plan))
    return spread_figure(
        "decision-times",
        _("Time from submission to decision"),
        _(
            "Working days from a proposal's submission for review to the round's decision, by "
            "the quarter the decision was made: median and 90th percentile."
        ),
        found,
        _("Decisions"),
    )


def _signing_times_plan(scope: Scope):
    agreements = Agreement.objects.filter(
        Q(activated_at__isnull=False)
        & scope.since_q("activated_at")
        & scope.in_scope(Agreement, "proposal"),
        is_external=False,
    )
    # Each signature keeps its working days since the agreement was prepared, and they never
    # fall as signatures come later: the last signature's are the largest.
    return spreads_plan(
        [(agreements, Max("signatures__days_to_sign"))], TruncQuarter("activated_at")
    )


def signing_times(scope: Scope) -> Figure:
    [found] = spreads_run(planned(scope, "signing-times", _signing_times_plan))
    return spread_figure(
        "signing-times",
        _("Time from approval to the last signature"),
        _(
            "Working days from a proposal's approval (its agreement prepared) to the last "
            "party's signature, by the quarter the agreement came into force."
        ),
        found,
        _("Agreements"),
    )


def _stages_plan(scope: Scope):
    """Each stage's rows (in stage_labels() order) and when each entered the stage."""
    proposals = scope.proposals()
    rounds = ReviewRound.objects.filter(scope.in_scope(ReviewRound, "proposal"))
    later_round = ReviewRound.objects.filter(
        proposal=OuterRef("proposal"), number__gt=OuterRef("number")
    )
    stages = [
        (proposals.filter(status=ProposalStatus.DRAFT), "created_at"),
        # In review: a proposal has at most one open round (a constraint), the one it waits on.
        (
            rounds.filter(proposal__status=ProposalStatus.IN_REVIEW, closed_at__isnull=True),
            "opened_at",
        ),
        # Changes requested: they were asked for when its newest round closed.
        (
            rounds.filter(proposal__status=ProposalStatus.CHANGES_REQUESTED).exclude(
                Exists(later_round)
            ),
            "closed_at",
        ),
        (
            Agreement.objects.filter(
                scope.in_scope(Agreement, "proposal"), status=AgreementStatus.AWAITING_SIGNATURES
            ),
            "created_at",
        ),
    ]
    today = day(scope.today)
    return spreads_plan(
        [(q.filter(**{f"{entered}__isnull": False}), entered, today) for q, entered in stages]
    )


def stage_labels() -> tuple:
    return (_("Draft"), _("In review"), _("Changes requested"), _("Awaiting signatures"))


def stages_now(scope: Scope) -> Figure:
    rows = []
    found_each = spreads_run(planned(scope, "stages", _stages_plan))
    for label, found in zip(stage_labels(), found_each, strict=True):
        spread = found[0] if found else Spread(None, 0, None, None)
        rows.append([label, spread.count, number(spread.median), number(spread.p90)])
    return Figure(
        slug="stages",
        title=_("Proposals at each stage now"),
        description=_(
            "How many proposals are at each stage today, and for how many working "
            "days they have been there: median and 90th percentile."
        ),
        columns=[_("Stage"), _("Proposals"), _("Median (working days)"), _("90th percentile")],
        rows=rows,
        series=[_("Proposals")],
        bars=[Bar(row[0], (row[1],)) for row in rows],
        unit=_("proposals"),
    )


def overdue_cutoff(today: date) -> datetime:
    """A decision still pending in a round opened before this is overdue (the steering
    list's rule: REVIEW_ESCALATION_WORKING_DAYS working days)."""
    return overdue_if_opened_before(settings.REVIEW_ESCALATION_WORKING_DAYS, today)


def _organisations_plan(scope: Scope):
    decisions = OrganisationDecision.objects.filter(
        Q(decided_at__isnull=False)
        & scope.since_q("decided_at")
        & scope.in_scope(OrganisationDecision, "round__proposal")
    )
    signatures = Signature.objects.filter(
        scope.since_q("signed_at") & scope.in_scope(Signature, "agreement__proposal")
    ).annotate(organisation=F("party__organisation"))
    # Each decision and signature keeps its working days (since its round opened, since its
    # agreement was prepared): no round, agreement or calendar to join.
    times = spreads_plan(
        [(decisions, "days_to_decide"), (signatures, "days_to_sign")], group="organisation"
    )
    overdue = compiled(
        OrganisationDecision.objects.filter(
            scope.in_scope(OrganisationDecision, "round__proposal"),
            status=DecisionStatus.PENDING,
            round__closed_at__isnull=True,
            round__opened_at__lt=overdue_cutoff(scope.today),
        )
        .order_by()
        .values_list("organisation")
        .annotate(n=Count("pk"))
    )
    return times, overdue


def organisations(scope: Scope, limit: int = 10) -> Figure:
    """Which organisations take longest to decide and to sign, with their overdue decisions."""
    times, overdue = planned(scope, "organisations", _organisations_plan)
    deciding, signing = ({s.group: s for s in found} for found in spreads_run(times))
    overdue = fetch_dict(overdue)
    # Every organisation's name, from the list kept per version (no list of ids to send).
    wanted = set(deciding) | set(signing) | set(overdue)
    rows = []
    listed = scope.organisation_list or organisation_choices()
    for pk, name in listed[1]:
        if pk not in wanted:
            continue
        decide, sign = deciding.get(pk), signing.get(pk)
        rows.append(
            [
                name,
                decide.count if decide else 0,
                number(decide.median) if decide else None,
                number(decide.p90) if decide else None,
                overdue.get(pk, 0),
                sign.count if sign else 0,
                number(sign.median) if sign else None,
            ]
        )
    rows.sort(key=lambda row: (-(row[2] or -1), -row[4], row[0]))
    return Figure(
        slug="organisations",
        title=_("Organisations that take longest to decide"),
        description=_(
            "Each organisation's median working days to decide on a proposal in "
            "review and to sign an agreement, with its decisions overdue now "
            "(pending for more than %(days)s working days). The chart shows the %(n)s "
            "slowest to decide."
        )
        % {"days": settings.REVIEW_ESCALATION_WORKING_DAYS, "n": limit},
        columns=[
            _("Organisation"),
            _("Decisions"),
            _("Median to decide (working days)"),
            _("90th percentile to decide"),
            _("Overdue now"),
            _("Signatures"),
            _("Median to sign (working days)"),
        ],
        rows=rows,
        series=[_("Median to decide"), _("Median to sign")],
        bars=[Bar(row[0], (row[2], row[6])) for row in rows[:limit] if row[2] is not None],
        unit=_("working days"),
    )


def _rounds_plan(scope: Scope):
    rounds = (
        ReviewRound.objects.filter(
            Q(proposal__submitted_at__isnull=False)
            & scope.since_q("proposal__submitted_at")
            & scope.in_scope(ReviewRound, "proposal")
        )
        .values("proposal")
        .annotate(round_count=Count("pk"))
    )
    return tally_plan(rounds, "round_count")


def rounds_per_proposal(scope: Scope) -> Figure:
    found = fetch_dict(planned(scope, "rounds", _rounds_plan))  # {rounds: proposals}
    buckets = [(_("1 round"), found.get(1, 0)), (_("2 rounds"), found.get(2, 0))]
    buckets.append((_("3 rounds"), found.get(3, 0)))
    buckets.append((_("4 or more"), sum(n for rounds, n in found.items() if rounds >= 4)))
    rows = [[label, n] for label, n in buckets]
    return Figure(
        slug="rounds",
        title=_("Review rounds per proposal"),
        description=_("How many review rounds proposals submitted in the period needed."),
        columns=[_("Rounds"), _("Proposals")],
        rows=rows,
        series=[_("Proposals")],
        bars=[Bar(label, (n,)) for label, n in rows],
        unit=_("proposals"),
    )


def _sections_plan(scope: Scope):
    decisions = OrganisationDecision.objects.filter(
        Q(status=DecisionStatus.CHANGES_REQUESTED)
        & scope.since_q("decided_at")
        & scope.in_scope(OrganisationDecision, "round__proposal")
    )
    return tally_elements_plan(decisions, "sections")


def sections_sent_back(scope: Scope) -> Figure:
    counts = fetch_dict(planned(scope, "sections", _sections_plan))
    labels = dict(Section.choices)
    rows = [
        [str(labels.get(key, key)), n]
        for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]
    return Figure(
        slug="sections",
        title=_("Sections most often sent back"),
        description=_("How many decisions asking for changes named each section of the proposal."),
        columns=[_("Section"), _("Requests for changes")],
        rows=rows,
        series=[_("Requests for changes")],
        bars=[Bar(label, (n,)) for label, n in rows],
        unit=_("requests"),
    )


def _outcomes_plan(scope: Scope):
    proposals = scope.proposals().values("pk")
    updates = OutcomeUpdate.objects.filter(agreement__proposal__in=proposals).order_by(
        "agreement_id", "outcome_id", "recorded_at", "pk"
    )  # the newest last, so it wins below
    # Active agreements with outcomes to judge and no judgement yet.
    waiting = Agreement.objects.filter(
        Exists(MeasurableOutcome.objects.filter(proposal=OuterRef("proposal"))),
        status=AgreementStatus.ACTIVE,
        proposal__in=proposals,
    ).exclude(Exists(OutcomeUpdate.objects.filter(agreement=OuterRef("pk"))))
    sql, params = compiled(waiting.order_by().values("pk"))
    return (
        compiled(updates.values_list("agreement_id", "outcome_id", "judgement")),
        (f"SELECT COUNT(*) FROM ({sql}) t", params),  # noqa: S608 - the ORM's own SQL
    )


def outcomes_met(scope: Scope) -> Figure:
    """Agreements by each outcome's newest judgement on them (docs/architecture.md, "Did the
    vision come true?"). The state now: the period does not apply."""
    updates, waiting = planned(scope, "outcomes", _outcomes_plan)
    latest = {(a, o): j for a, o, j in fetch_all(updates)}
    by_agreement = groupby(latest.items(), key=lambda item: item[0][0])  # in agreement order
    judged = {a: {judgement for _key, judgement in items} for a, items in by_agreement}
    found = Counter(
        "no" if "not_met" in js else "all" if js == {"met"} else "partly" for js in judged.values()
    )
    [(waiting_count,)] = fetch_all(waiting)
    rows = [
        [_("Meeting all their outcomes"), found["all"]],
        [_("Partly meeting them"), found["partly"]],
        [_("Missing at least one"), found["no"]],
        [_("No outcome recorded yet (active)"), waiting_count],
    ]
    return Figure(
        slug="outcomes",
        title=_("Did the vision come true?"),
        description=_("Agreements by their outcomes' latest judgements: all met, some partly."),
        columns=[_("Outcomes"), _("Agreements")],
        rows=rows,
        series=[_("Agreements")],
        bars=[Bar(label, (n,)) for label, n in rows],
        unit=_("agreements"),
    )


FIGURES = {
    "decision-times": decision_times,
    "signing-times": signing_times,
    "stages": stages_now,
    "organisations": organisations,
    "rounds": rounds_per_proposal,
    "sections": sections_sent_back,
    "outcomes": outcomes_met,
}


@contextmanager
def one_process():
    """PostgreSQL answers the figures' statements without parallel workers. Each is a scan
    of a few thousand rows that one process finishes in milliseconds; starting two workers
    for it cost more than the scan itself (measured at 10,000 proposals on the two-core
    machine, where the workers wait behind every other page's requests: the organisations
    and stages figures took 1.5 to 2 times as long with them). SET LOCAL ends with the
    transaction, so nothing else on the connection is changed."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield


def figures_all(scope: Scope) -> list[Figure]:
    calendar_ensure(scope.today)
    with one_process():
        return [build(scope) for build in FIGURES.values()]
