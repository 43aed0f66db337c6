"""Who may act in a decision round: those the DECIDE row allows (an organisation's
approvers) and their delegates decide for it, those the VOTE row allows (the steering group)
vote, and nobody acts on what they submitted. The rows are in sharing_requests/permissions.py;
this module adds what the table cannot say (delegations, the submitter). The refusals say why
not, for the services (under the proposal's lock) and the pages alike."""

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.compiled import CompiledRead
from organisations.models import Delegation, Membership
from organisations.permissions import POLICY as ORGANISATION_POLICY
from organisations.permissions import Action as OrganisationAction
from organisations.permissions import memberships, steering_seats

from ..models import DecisionStatus, OrganisationDecision, Proposal, ReviewRound
from ..permissions import POLICY, Action, may
from .rule import RoundRule


def deciders():
    """Memberships whose roles let them decide for their organisation (the DECIDE row)."""
    return Membership.objects.filter(POLICY[Action.DECIDE].holders_q())


def delegations_in_force(*, today=None):
    """Delegations that let their delegate decide today: within their period, not revoked,
    the delegating approver still allowed to decide for the organisation (the DECIDE row) and
    the delegate still a member of it (a delegation lapses with the roles it rests on)."""
    today = today or timezone.localdate()
    return Delegation.objects.filter(
        revoked_at__isnull=True, starts_on__lte=today, ends_on__gte=today
    ).filter(
        Exists(deciders().filter(user=OuterRef("approver"), organisation=OuterRef("organisation"))),
        # A read-only member cannot decide, delegated or not (the DEPUTISE row).
        Exists(
            Membership.objects.filter(
                ORGANISATION_POLICY[OrganisationAction.DEPUTISE].holders_q(),
                user=OuterRef("delegate"),
                organisation=OuterRef("organisation"),
            )
        ),
    )


def delegated_organisations(*, user, request=None, today=None) -> set[int]:
    """The ids of the organisations `user` may decide for today as a delegate: those of
    delegations_in_force() to them, asked in the cheaper order. Their own delegations in
    their period come first, in a plain query (most people have none, and the rule's two
    EXISTS subqueries cost more to build than the query takes); then the delegate's roles
    from their memberships (the request's copy, given it); then, for what is left, the
    approvers' roles in one more query."""
    own = _own_delegations.rows(user_id=user.pk, today=today or timezone.localdate())
    deputise = ORGANISATION_POLICY[OrganisationAction.DEPUTISE]
    held = memberships(request or user)
    found = {(org, approver) for org, approver in own if deputise.allows(held.get(org))}
    if not found:
        return set()
    deciding = set(
        deciders()
        .filter(
            user_id__in={approver for _, approver in found},
            organisation_id__in={org for org, _ in found},
        )
        .values_list("organisation_id", "user_id")
    )
    return {org for org, approver in found if (org, approver) in deciding}


# Every approver's home page asks it (isf_portal/compiled.py: compiled once per connection and
# day, `today` being part of its shape): building the queryset cost more than running it.
_own_delegations = CompiledRead(
    lambda user_id, today: Delegation.objects.filter(
        delegate_id=user_id, revoked_at__isnull=True, starts_on__lte=today, ends_on__gte=today
    ).values_list("organisation_id", "approver_id"),
    user_id=int,
)


def active_delegation(*, user, organisation, today=None, not_for=None):
    """The delegation that lets `user` decide for `organisation` today; never one from the
    person who submitted the proposal (`not_for`): they may not decide on it, so nobody may
    in their name."""
    delegations = delegations_in_force(today=today).filter(organisation=organisation, delegate=user)
    if not_for is not None:
        delegations = delegations.exclude(approver_id=not_for)
    return delegations.select_related("approver").order_by("pk").first()


def decision_capacity(*, user, decision, request=None) -> tuple[str, object] | None:
    """('approver', None) or ('delegate', approver) if `user` may decide for the decision's
    organisation; None otherwise. Given the request, the memberships it has read are used."""
    if not user.is_authenticated:
        return None
    held = memberships(request or user).get(decision.organisation_id)
    if POLICY[Action.DECIDE].allows(held):
        return ("approver", None)
    delegation = active_delegation(
        user=user,
        organisation=decision.organisation,
        not_for=decision.round.proposal.submitted_by_id,
    )
    if delegation is not None:
        return ("delegate", delegation.approver)
    return None


def eligible_voters(proposal):
    """The steering group seats the VOTE row allows, but the submitter's."""
    return (
        steering_seats(POLICY[Action.VOTE])
        .exclude(user_id=proposal.submitted_by_id)
        .select_related("user")
    )


def approvers_by_organisation(organisation_ids) -> dict[int, list]:
    """Everyone who may decide for each organisation today, its approvers and their
    delegates, by organisation id: two queries, whatever the number of organisations."""
    found = {pk: set() for pk in organisation_ids}
    for m in (
        deciders().filter(organisation_id__in=found, user__is_active=True).select_related("user")
    ):
        found[m.organisation_id].add(m.user)
    for d in (
        delegations_in_force()
        .filter(organisation_id__in=found, delegate__is_active=True)
        .select_related("delegate")
    ):
        found[d.organisation_id].add(d.delegate)
    return {pk: sorted(users, key=lambda u: u.pk) for pk, users in found.items()}


def decision_refusal(*, decision: OrganisationDecision, proposal: Proposal, by) -> str:
    """Why `by` may not decide `decision` now ('' if they may). The service checks it under
    the proposal's lock; the review page uses it to explain a refused form."""
    if not decision.round.is_open:
        return _("This review round has closed: no more decisions are taken.")
    if decision.status != DecisionStatus.PENDING:
        return _("%(org)s has already decided in this round.") % {"org": decision.organisation.name}
    if decision_capacity(user=by, decision=decision) is None:
        return _("You cannot decide for %(org)s.") % {"org": decision.organisation.name}
    if proposal.submitted_by_id == by.pk:
        return _("You submitted this proposal, so you cannot decide on it.")
    return ""


def vote_refusal(*, review: ReviewRound | None, proposal: Proposal, by) -> str:
    """Why `by` may not vote on `review` now ('' if they may)."""
    if review is not None and not RoundRule.from_stored(review.rule).steering_vote_required:
        return _("This review has no steering group vote.")
    if review is None or not review.is_open or review.steering_outcome:
        return _("The steering group's vote on this round has closed.")
    if not may(by, Action.VOTE):
        return _("Only steering-group members vote.")
    if proposal.submitted_by_id == by.pk:
        return _("You submitted this proposal, so you cannot vote on it.")
    if review.votes.filter(member=by).exists():
        return _("You have already voted in this round.")
    return ""
