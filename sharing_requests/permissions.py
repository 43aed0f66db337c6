"""Who may see and do what with a proposal: the table below, and the only place its object
permissions are granted.

Rows with a `grant` are kept as django-guardian permissions held by role groups, so the
dashboard filters by them in one SQL query: members of the lead and participating
organisations view, the lead's members edit, members of every party comment and endorse.
The steering group views from submission on. The other rows are worked out from the user's
memberships on each request. Anyone who may not view gets 404, whatever the URL.
The shape of a row, and how to add a role: organisations/permissions.py.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from guardian.core import ObjectPermissionChecker

from organisations.models import Organisation, Role
from organisations.permissions import (
    ANY_MEMBERSHIP,
    Rule,
    allowed_at,
    by_rule,
    has_steering_seat,
    memberships,
    roles,
)
from organisations.services import role_group, steering_group_group

from .models import Participant, Proposal, ProposalGroupObjectPermission


class Action(StrEnum):
    VIEW = "view"  # its pages, answers, timeline and review page
    EDIT = "edit"  # change sections, invite partners, submit, withdraw
    COMMENT = "comment"  # comment on sections, endorse the vision, for one's organisation
    START = "start"  # start a proposal led by an organisation
    DECIDE = "decide"  # decide for a party organisation in a review round (review.py)
    VOTE = "vote"  # vote in a review round (review.py)
    STEERING_LIST = "steering_list"  # the steering group's list of proposals in review


POLICY: dict[Action, Rule] = {
    # The steering group's grant is made at submission (proposal_grant_steering).
    Action.VIEW: Rule(roles=roles(ANY_MEMBERSHIP), steering=True, grant="view_proposal"),
    Action.EDIT: Rule(roles=roles(Role.MEMBER), scope="lead", grant="change_proposal"),
    Action.COMMENT: Rule(roles=roles(Role.MEMBER), grant="comment_proposal"),
    Action.START: Rule(roles=roles(Role.MEMBER), scope="organisation"),
    # Delegations extend DECIDE to a named colleague for a period (review.decision_capacity).
    Action.DECIDE: Rule(roles=roles(Role.APPROVER)),
    Action.VOTE: Rule(steering=True),
    Action.STEERING_LIST: Rule(steering=True),
}


# --- Asking the table ------------------------------------------------------------------------
def checker(request_or_user) -> ObjectPermissionChecker:
    """One guardian permission cache per request."""
    user = getattr(request_or_user, "user", request_or_user)
    if not hasattr(request_or_user, "user"):
        return ObjectPermissionChecker(user)
    existing = getattr(request_or_user, "_isf_perm_checker", None)
    if existing is None:
        existing = request_or_user._isf_perm_checker = ObjectPermissionChecker(user)
    return existing


def _granted(request_or_user, codename: str, proposal: Proposal) -> bool:
    user = getattr(request_or_user, "user", request_or_user)
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        # Guardian grants superusers everything; the portal's rule is that nobody outside the
        # parties (and the steering group once submitted) sees a proposal, administrators too.
        return ProposalGroupObjectPermission.objects.filter(
            content_object=proposal, permission__codename=codename, group__user=user
        ).exists()
    return checker(request_or_user).has_perm(codename, proposal)


def _party_ids(proposal: Proposal) -> list[int]:
    return list(proposal.participants.values_list("organisation_id", flat=True))


def _scope_ids(rule: Rule, proposal: Proposal | None) -> list[int]:
    if proposal is None:
        return []
    if rule.scope == "lead":
        return [proposal.lead_organisation_id]
    return _party_ids(proposal)


def may(request_or_user, action: Action, proposal: Proposal | None = None) -> bool:
    """Whether the user may take `action` on `proposal` (or at all, for steering rows)."""
    rule = POLICY[action]
    if rule.grant and proposal is not None:
        return _granted(request_or_user, rule.grant, proposal)
    return by_rule(request_or_user, rule, _scope_ids(rule, proposal))


def may_start(request_or_user, organisation: Organisation) -> bool:
    return by_rule(request_or_user, POLICY[Action.START], [organisation.pk])


def acting_for(request_or_user, action: Action, proposal: Proposal) -> list[int]:
    """The ids of the organisations in the row's scope on `proposal` where the user holds one
    of its roles (who they may act for), from their memberships."""
    rule = POLICY[action]
    return allowed_at(request_or_user, rule, _scope_ids(rule, proposal))


def may_start_any(request_or_user) -> bool:
    """Whether the user may start a proposal for any active organisation."""
    rule = POLICY[Action.START]
    held = memberships(request_or_user).values()
    return any(rule.allows(m) and m.organisation.is_active for m in held)


def start_organisations(request_or_user):
    """The active organisations the user may start a proposal for (a queryset, for the form)."""
    rule = POLICY[Action.START]
    held = memberships(request_or_user)
    return Organisation.objects.filter(
        pk__in=allowed_at(request_or_user, rule, held), is_active=True
    )


def organisations_for(request_or_user, action: Action, proposal: Proposal) -> list:
    """The organisations the user may take `action` for on `proposal`: those in the row's
    scope (its parties or its lead) where they hold one of its roles."""
    rule = POLICY[action]
    if rule.grant and not may(request_or_user, action, proposal):
        return []
    held = memberships(request_or_user)
    allowed = allowed_at(request_or_user, rule, _scope_ids(rule, proposal))
    return sorted((held[pk].organisation for pk in allowed), key=lambda o: o.name)


def objects_for(user, action: Action = Action.VIEW):
    """Every proposal the user may take `action` on, as one query: one EXISTS subquery over
    the grants, so the cost does not grow with the user's groups."""
    if not user.is_authenticated:
        return Proposal.objects.none()
    rule = POLICY[action]
    if rule.grant:
        grants = ProposalGroupObjectPermission.objects.filter(
            content_object=OuterRef("pk"), permission__codename=rule.grant, group__user=user
        )
        return Proposal.objects.filter(Exists(grants))
    held = rule.holders_q("organisation__memberships__")
    parties = Participant.objects.filter(
        held, proposal=OuterRef("pk"), organisation__memberships__user=user
    )
    visible = Q(Exists(parties))
    if rule.steering and has_steering_seat(user):
        visible = Q()
    return Proposal.objects.filter(visible)


# --- Fetch and authorise ---------------------------------------------------------------------
def proposal_for(request, reference: str, *, queryset=None) -> Proposal:
    """The proposal at this reference if the user may see it; 404 otherwise."""
    queryset = queryset if queryset is not None else Proposal.objects.all()
    proposal = queryset.select_related("lead_organisation").filter(reference=reference).first()
    if proposal is None or not may(request, Action.VIEW, proposal):
        raise Http404
    return proposal


def require(request, action: Action, proposal: Proposal | None = None) -> None:
    """Visible but not allowed: 403 (outsiders got 404 from proposal_for already)."""
    if not may(request, action, proposal):
        raise PermissionDenied


def can_edit(request, proposal) -> bool:
    """May change it now: allowed to edit and the proposal is open for editing."""
    return proposal.is_editable and may(request, Action.EDIT, proposal)


def comment_organisations(request, proposal) -> list[Organisation]:
    """The organisations this user may comment or endorse for on this proposal."""
    return organisations_for(request, Action.COMMENT, proposal)


# --- Object grants (made here only) ----------------------------------------------------------
def _granted_rows(*scopes: str):
    return [rule for rule in POLICY.values() if rule.grant and rule.scope in scopes]


def proposal_grant_party(*, proposal: Proposal, organisation: Organisation, lead: bool) -> None:
    """The party's role groups get the table's grants (the lead's also those scoped to it)."""
    for rule in _granted_rows("parties", *(["lead"] if lead else [])):
        for role in rule.group_roles():
            group = role_group(organisation=organisation, role=role)
            ProposalGroupObjectPermission.objects.assign_perm(rule.grant, group, proposal)


def proposal_revoke_party(*, proposal: Proposal, organisation: Organisation) -> None:
    """A partner leaves: its groups lose what parties are granted (the lead never leaves)."""
    for rule in _granted_rows("parties"):
        for role in rule.group_roles():
            group = role_group(organisation=organisation, role=role)
            ProposalGroupObjectPermission.objects.remove_perm(rule.grant, group, proposal)


def proposal_grant_steering(*, proposal: Proposal) -> None:
    """On submission the steering group gets the rows it is allowed by."""
    for rule in POLICY.values():
        if rule.grant and rule.steering:
            ProposalGroupObjectPermission.objects.assign_perm(
                rule.grant, steering_group_group(), proposal
            )


def grants_backfill() -> int:
    """Make every grant the table calls for on every existing proposal (after a role is added
    to a granted row). Adds only; safe to run again. One bulk insert per organisation, role
    and row. Returns how many grant rows it tried to add."""
    added = 0
    organisation_ids = Participant.objects.values_list("organisation_id", flat=True).distinct()
    for organisation in Organisation.objects.filter(pk__in=organisation_ids):
        for rule in _granted_rows("parties", "lead"):
            proposals = Proposal.objects.filter(
                Q(lead_organisation=organisation)
                if rule.scope == "lead"
                else Q(participants__organisation=organisation)
            ).distinct()
            for role in rule.group_roles():
                group = role_group(organisation=organisation, role=role)
                added += len(
                    ProposalGroupObjectPermission.objects.bulk_assign_perm(
                        rule.grant, group, proposals, ignore_conflicts=True
                    )
                )
    submitted = Proposal.objects.filter(submitted_at__isnull=False)
    for rule in POLICY.values():
        if rule.grant and rule.steering:
            added += len(
                ProposalGroupObjectPermission.objects.bulk_assign_perm(
                    rule.grant, steering_group_group(), submitted, ignore_conflicts=True
                )
            )
    return added


def grants_backfill_migration(apps, schema_editor) -> None:
    """For a data migration's RunPython, after a role joins a granted row."""
    grants_backfill()
