"""Reads of proposals that more than one caller needs."""

from datetime import datetime, time, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from . import permissions
from .choices import ProposalStatus, SectionStatus
from .events import proposal_chain
from .models import (
    DecisionStatus,
    OrganisationDecision,
    Participant,
    Proposal,
    ReviewRound,
)
from .workdays import latest_start_with


def proposals_visible_to(*, user):
    """Every proposal the user may see: through their organisations' groups or the steering
    group. One EXISTS subquery, so the cost does not grow with the user's groups."""
    return permissions.objects_for(user, permissions.Action.VIEW)


def dashboard(*, user, status: str = "", organisation_id: int | None = None):
    queryset = (
        proposals_visible_to(user=user)
        .select_related("lead_organisation")
        .annotate(
            sections_completed=Count("sections", filter=Q(sections__status=SectionStatus.COMPLETED))
        )
        .order_by("-last_activity_at", "-pk")
    )
    if status:
        queryset = queryset.filter(status=status)
    if organisation_id:
        # EXISTS, not a join: joining the participants multiplied the rows that
        # sections_completed counts (2 participants showed "2 of 7" for one section).
        takes_part = Participant.objects.filter(
            proposal=OuterRef("pk"), organisation_id=organisation_id
        )
        queryset = queryset.filter(Q(lead_organisation_id=organisation_id) | Exists(takes_part))
    return queryset


def section_states(*, proposal) -> dict:
    return {state.section: state for state in proposal.sections.all()}


class Timeline(list):
    """The proposal's latest events, newest first, with `chain`: whether the whole record is
    intact (audit_chain.ChainReport), which the timeline shows above the events."""

    chain = None


def timeline(*, proposal, limit: int = 200) -> Timeline:
    events = Timeline(proposal.events.select_related("actor", "organisation")[:limit])
    events.chain = proposal_chain(proposal)
    return events


def in_review(*, overdue_after_working_days: int, today):
    """Proposals in review for the steering group's list, the overdue ones first (a decision
    still pending after the escalation period), then the longest in review. Ordered in SQL so
    the list can be paginated however many proposals are in review."""
    cutoff = latest_start_with(overdue_after_working_days, today)
    opened_before = timezone.make_aware(datetime.combine(cutoff + timedelta(days=1), time.min))
    open_round = ReviewRound.objects.filter(proposal=OuterRef("pk"), closed_at__isnull=True)
    pending = OrganisationDecision.objects.filter(
        round__proposal=OuterRef("pk"),
        round__closed_at__isnull=True,
        status=DecisionStatus.PENDING,
    )
    rounds = (
        ReviewRound.objects.filter(closed_at__isnull=True)
        .annotate(vote_count=Count("votes"))
        .prefetch_related("decisions__organisation")
    )
    return (
        Proposal.objects.filter(status=ProposalStatus.IN_REVIEW)
        .only("reference", "title", "status", "lead_organisation__short_name")
        .select_related("lead_organisation")
        .annotate(
            opened_at=Subquery(open_round.values("opened_at")[:1]),
            overdue=Case(
                When(Exists(pending) & Q(opened_at__lt=opened_before), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .prefetch_related(Prefetch("rounds", queryset=rounds, to_attr="open_rounds"))
        .order_by("-overdue", F("opened_at").asc(nulls_last=True), "reference")
    )
