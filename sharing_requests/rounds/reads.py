"""Reads about decision rounds that pages need."""

from django.db.models import Q

from isf_portal.compiled import CompiledRead
from organisations.permissions import memberships

from ..models import DecisionStatus, OrganisationDecision, ReviewRound
from ..permissions import POLICY, Action, may
from .access import delegated_organisations


def awaiting_decision(*, user, limit: int | None = None, request=None):
    """The decisions and votes waiting for this user, in every capacity they hold, oldest
    first (at most `limit` of each). Rounds whose rule needs no steering vote wait for no
    vote. Given the request, the memberships and seat it has read are used."""
    decide = POLICY[Action.DECIDE]
    org_ids = {pk for pk, m in memberships(request or user).items() if decide.allows(m)}
    org_ids |= delegated_organisations(user=user, request=request)
    decisions = []
    if org_ids:
        org_ids = tuple(sorted(org_ids))
        decisions = _decisions.instances(org_ids=org_ids, user_id=user.pk, limit=limit)
    votes = []
    if may(request or user, Action.VOTE):
        votes = _votes.instances(user_id=user.pk, limit=limit)
    return decisions, votes


# Compiled once (isf_portal/compiled.py; per limit, and per length of the IN list): the home
# page of every approver and steering group member asks them, and building the two querysets
# cost more CPU than running them.
_decisions = CompiledRead(
    lambda org_ids, user_id, limit: (
        OrganisationDecision.objects.filter(
            status=DecisionStatus.PENDING,
            round__closed_at__isnull=True,
            organisation_id__in=org_ids,
        )
        .exclude(round__proposal__submitted_by_id=user_id)
        .select_related("organisation", "round__proposal")
        .only(
            "organisation__name",
            "round__opened_at",
            "round__proposal__reference",
            "round__proposal__title",
        )
        .order_by("round__opened_at", "pk")[:limit]
    ),
    org_ids=tuple,
    user_id=int,
)
_votes = CompiledRead(
    lambda user_id, limit: (
        ReviewRound.objects.filter(closed_at__isnull=True, steering_outcome="")
        # A rule recorded before the setting existed has no key: the vote was required.
        .filter(Q(rule__steering_vote_required=True) | Q(rule__steering_vote_required__isnull=True))
        .exclude(votes__member_id=user_id)
        .exclude(proposal__submitted_by_id=user_id)
        .select_related("proposal")
        .only("deadline", "opened_at", "proposal__reference", "proposal__title")
        .order_by("opened_at", "pk")[:limit]
    ),
    user_id=int,
)
