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

from django.apps import apps as global_apps
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.http import Http404

from isf_portal.compiled import CompiledRead
from organisations.models import Membership, Organisation, Role
from organisations.permissions import (
    ANY_MEMBERSHIP,
    GrantTable,
    Rule,
    allowed_at,
    by_rule,
    granted_codenames,
    has_steering_seat,
    memberships,
    roles,
)
from organisations.services import (
    STEERING_GROUP,
    role_group,
    role_group_name,
    steering_group_group,
)

from .models import Participant, Proposal, ProposalGroupObjectPermission


class Action(StrEnum):
    VIEW = "view"  # its pages, answers, timeline and review page
    EDIT = "edit"  # change sections, invite partners, submit, withdraw
    COMMENT = "comment"  # comment on sections, endorse the vision, for one's organisation
    START = "start"  # start a proposal led by an organisation
    DECIDE = "decide"  # decide for a party organisation in a review round (review.py)
    VOTE = "vote"  # vote in a review round (review.py)
    STEERING_LIST = "steering_list"  # the steering group's list of proposals in review
    DPIA = "dpia"  # download its attached DPIA (the lead's members too: EDIT)
    ACTION_DONE = "action_done"  # say an action before sharing starts is done (or not yet)


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
    # Decided (issue #12): the DPIA is for the parties' signatories, approvers and governance
    # officers, the lead's members (who write it: may_download_dpia adds EDIT) and the
    # steering group that votes on it; read-only members do not download it.
    Action.DPIA: Rule(
        roles=roles(Role.SIGNATORY, Role.APPROVER, Role.GOVERNANCE_OFFICER), steering=True
    ),
    # The action's owner organisation (the lead's when it names none): anyone with a role there.
    Action.ACTION_DONE: Rule(
        roles=roles(
            Role.MEMBER, Role.APPROVER, Role.SIGNATORY, Role.GOVERNANCE_OFFICER, Role.ORG_ADMIN
        ),
        scope="organisation",
    ),
}


# --- Asking the table ------------------------------------------------------------------------
def _granted(request_or_user, codename: str, proposal: Proposal) -> bool:
    return codename in granted_codenames(request_or_user, ProposalGroupObjectPermission, proposal)


def _party_ids(proposal: Proposal) -> list[int]:
    if "participants" in getattr(proposal, "_prefetched_objects_cache", {}):
        return [party.organisation_id for party in proposal.participants.all()]
    return [row[0] for row in _PARTY_IDS.rows(proposal_id=proposal.pk)]


# The organisations taking part, in the relation's order (the lead first), compiled once.
_PARTY_IDS = CompiledRead(
    lambda proposal_id: Participant.objects.filter(proposal_id=proposal_id).values_list(
        "organisation_id"
    ),
    proposal_id=int,
)


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
    # A rule without roles (the steering group's) allows nobody for a role at the parties:
    # they are not read.
    return by_rule(request_or_user, rule, _scope_ids(rule, proposal) if rule.roles else [])


def may_download_dpia(request_or_user, proposal: Proposal) -> bool:
    # EDIT first: its grants were read with the proposal (VIEW's), so the lead's members are
    # answered without the steering-seat and membership reads DPIA's rule may need.
    return may(request_or_user, Action.EDIT, proposal) or may(
        request_or_user, Action.DPIA, proposal
    )


def may_mark_action(request_or_user, action, proposal: Proposal | None = None) -> bool:
    """Whether the user may say the action (a models.Action) is done: someone with a role at
    its owner organisation, or at the lead organisation when it names none."""
    proposal = proposal or action.proposal
    owner = action.owner_organisation_id or proposal.lead_organisation_id
    return by_rule(request_or_user, POLICY[Action.ACTION_DONE], [owner])


def may_start(request_or_user, organisation: Organisation) -> bool:
    return by_rule(request_or_user, POLICY[Action.START], [organisation.pk])


def acting_for(request_or_user, action: Action, proposal: Proposal) -> list[int]:
    """The ids of the organisations in the row's scope on `proposal` where the user holds one
    of its roles (who they may act for), from their memberships."""
    rule = POLICY[action]
    return allowed_at(request_or_user, rule, _scope_ids(rule, proposal))


def acts_for(user, action: Action, proposal: Proposal, organisation: Organisation) -> bool:
    """Whether `user` may take `action` for `organisation` on `proposal` (in the row's scope
    there and holding one of its roles), as `acting_for` answers it, read fresh in one query:
    the check a service repeats under the proposal's lock."""
    rule = POLICY[action]
    if not user.is_authenticated or not user.is_active or not rule.roles:
        return False
    values = {"action": action, "user_id": user.pk, "organisation_id": organisation.pk}
    if rule.scope == "lead":
        return organisation.pk == proposal.lead_organisation_id and bool(
            _HELD_AT_LEAD.rows(**values)
        )
    return bool(_HELD_AT_PARTY.rows(**values, proposal_id=proposal.pk))


def _held(action, user_id, organisation_id, proposal_id=None):
    """The user's membership of the organisation if it holds one of the action's roles and,
    given a proposal, the organisation takes part in it."""
    rule = POLICY[action]
    held = Membership.objects.filter(
        rule.holders_q(), user_id=user_id, organisation_id=organisation_id
    )
    if proposal_id is not None:
        party = Participant.objects.filter(
            proposal_id=proposal_id, organisation=OuterRef("organisation")
        )
        held = held.filter(Exists(party))
    return held.order_by().values_list("pk")[:1]


# acts_for's reads, compiled once per action (a shape, isf_portal/compiled.py): the services
# ask them under the proposal's lock on every comment, endorsement and decision.
_HELD_AT_LEAD = CompiledRead(_held, user_id=int, organisation_id=int)
_HELD_AT_PARTY = CompiledRead(_held, user_id=int, organisation_id=int, proposal_id=int)


def may_start_any(request_or_user) -> bool:
    """Whether the user may start a proposal for any active organisation."""
    rule = POLICY[Action.START]
    held = memberships(request_or_user).values()
    return any(rule.allows(m) and m.organisation.is_active for m in held)


def start_organisation_list(request_or_user) -> list[Organisation]:
    """The active organisations the user may start a proposal for, by name, from the
    memberships already read (no query given a request)."""
    rule = POLICY[Action.START]
    held = memberships(request_or_user).values()
    found = [m.organisation for m in held if rule.allows(m) and m.organisation.is_active]
    return sorted(found, key=lambda organisation: organisation.name)


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


def count_for(user, action: Action = Action.VIEW) -> int:
    """How many proposals objects_for(user, action) holds. A granted row's proposals are
    counted in the grants alone (each grant's proposal exists: a foreign key), through the
    index on group, permission and proposal: reading every visible proposal's row to count
    them was most of the dashboard's SQL time (6 ms of 7 for 370 proposals)."""
    rule = POLICY[action]
    if not (user.is_authenticated and rule.grant):
        return objects_for(user, action).count()
    user_groups = user.groups.through.objects.filter(user_id=user.pk).values("group_id")
    grants = ProposalGroupObjectPermission.objects.filter(
        permission__codename=rule.grant, group_id__in=user_groups
    )
    return grants.aggregate(n=Count("content_object_id", distinct=True))["n"]


# --- Fetch and authorise ---------------------------------------------------------------------
# The proposal at a reference with its lead organisation, compiled once
# (isf_portal/compiled.py): every proposal page and form post finds it first.
_PROPOSAL_READ = CompiledRead(
    lambda reference: Proposal.objects.select_related("lead_organisation").filter(
        reference=reference
    )[:1],
    reference=str,
)


def proposal_for(request, reference: str, *, queryset=None, read=None) -> Proposal:
    """The proposal at this reference if the user may see it; 404 otherwise. `read`: a
    compiled read of it by its reference (isf_portal.compiled.CompiledRead) that reads more
    with it (a page's annotations); `queryset`: the proposals to look in, as a queryset."""
    if queryset is not None:
        proposal = queryset.select_related("lead_organisation").filter(reference=reference).first()
    else:
        proposal = next(iter((read or _PROPOSAL_READ).instances(reference=reference)), None)
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


def party_grants(*, lead: bool) -> list[tuple[str, str]]:
    """The (codename, role) pairs a party's role groups are granted on a proposal: the rows
    scoped to its parties, and for its lead also those scoped to the lead. The benchmark's
    bulk seeding reads this too."""
    rows = _granted_rows("parties", *(["lead"] if lead else []))
    return [(rule.grant, role) for rule in rows for role in rule.group_roles()]


def steering_grants() -> list[str]:
    """The codenames the steering group is granted on a submitted proposal."""
    return [rule.grant for rule in POLICY.values() if rule.grant and rule.steering]


def proposal_grant_party(*, proposal: Proposal, organisation: Organisation, lead: bool) -> None:
    """The party's role groups get the table's grants (the lead's also those scoped to it)."""
    for codename, role in party_grants(lead=lead):
        group = role_group(organisation=organisation, role=role)
        ProposalGroupObjectPermission.objects.assign_perm(codename, group, proposal)


def proposal_revoke_party(*, proposal: Proposal, organisation: Organisation) -> None:
    """A partner leaves: its groups lose what parties are granted (the lead never leaves)."""
    for codename, role in party_grants(lead=False):
        group = role_group(organisation=organisation, role=role)
        ProposalGroupObjectPermission.objects.remove_perm(codename, group, proposal)


def proposal_grant_steering(*, proposal: Proposal) -> None:
    """On submission the steering group gets the rows it is allowed by."""
    for codename in steering_grants():
        ProposalGroupObjectPermission.objects.assign_perm(
            codename, steering_group_group(), proposal
        )


def grants_backfill(apps=global_apps) -> int:
    """Make every grant the table calls for on every existing proposal (after a role is added
    to a granted row). Adds only; safe to run again. One bulk insert per organisation, role
    and row. Reads the models from `apps`: a data migration passes its own (see
    grants_backfill_migration). Returns how many grant rows it added."""
    table = GrantTable(
        apps,
        app_label="requests",
        model_name="proposal",
        grant_model="ProposalGroupObjectPermission",
    )
    proposals = table.model.objects
    participants = apps.get_model("requests", "Participant").objects
    added = 0
    for organisation_id in (
        participants.order_by().values_list("organisation_id", flat=True).distinct()
    ):
        for rule in _granted_rows("parties", "lead"):
            objects = (
                proposals.filter(lead_organisation_id=organisation_id)
                if rule.scope == "lead"
                else proposals.filter(participants__organisation_id=organisation_id)
            )
            for role in rule.group_roles():
                name = role_group_name(organisation_id=organisation_id, role=role)
                added += table.add(rule.grant, name, objects)
    submitted = proposals.filter(submitted_at__isnull=False)
    for codename in steering_grants():
        added += table.add(codename, STEERING_GROUP, submitted)
    return added


def grants_backfill_migration(apps, schema_editor) -> None:
    """For a data migration's RunPython, after a role joins a granted row: the back-fill on
    the migration's historical models, so the migration keeps running after later changes."""
    grants_backfill(apps)
