"""Who sees insight: steering group members and portal administrators see the whole
region; each organisation's governance officers see the proposals their organisation takes
part in. Everyone else gets 404 (the page's existence is no secret, but its figures are).
Memberships of inactive organisations count for nothing here, as in the navigation (which
lists active organisations only) and the rest of the portal's governance actions."""

from enum import StrEnum

from django.http import Http404

from organisations.models import Organisation, Role
from organisations.permissions import Rule, by_rule, memberships, roles


class Action(StrEnum):
    VIEW_REGION = "view_region"  # every proposal in Greater Manchester
    VIEW_ORGANISATION = "view_organisation"  # the proposals one organisation takes part in


POLICY: dict[Action, Rule] = {
    Action.VIEW_REGION: Rule(steering=True, staff=True),
    Action.VIEW_ORGANISATION: Rule(
        roles=roles(Role.GOVERNANCE_OFFICER), scope="organisation", active_only=True
    ),
}


def insight_reach(request) -> list[Organisation] | None:
    """None for the whole region, else the organisations whose figures the person may see
    (never empty: someone with none gets 404)."""
    if by_rule(request, POLICY[Action.VIEW_REGION], []):
        return None
    rule = POLICY[Action.VIEW_ORGANISATION]
    allowed = [m.organisation for m in memberships(request).values() if rule.allows(m)]
    if not allowed:
        raise Http404
    return sorted(allowed, key=lambda organisation: organisation.name)


def shown_in_navigation(user, *, steering: bool, held) -> bool:
    """Whether insight_reach lets the person in, from what the cached navigation holds: a
    steering seat and the roles `held` at each active organisation (role values), with
    `user.is_staff` read afresh (the navigation is not dropped when it changes). No query."""
    region = POLICY[Action.VIEW_REGION]
    if (region.steering and steering) or (region.staff and user.is_staff):
        return True
    rule = POLICY[Action.VIEW_ORGANISATION]
    return any(rule.allows_roles(roles, active=True) for roles in held)
