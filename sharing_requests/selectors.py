"""Reads of proposals that more than one caller needs."""

from django.db.models import Count, Exists, OuterRef, Q

from .choices import SectionStatus
from .models import Participant, Proposal, ProposalGroupObjectPermission


def proposals_visible_to(*, user):
    """Every proposal the user may see: through their organisations' groups or the steering
    group. One EXISTS subquery, so the cost does not grow with the user's groups."""
    if not user.is_authenticated:
        return Proposal.objects.none()
    grants = ProposalGroupObjectPermission.objects.filter(
        content_object=OuterRef("pk"),
        permission__codename="view_proposal",
        group__user=user,
    )
    return Proposal.objects.filter(Exists(grants))


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


def timeline(*, proposal, limit: int = 200):
    return proposal.events.select_related("actor", "organisation")[:limit]
