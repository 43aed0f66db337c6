"""Who may do what: the shape of every app's permission table, and the organisations' own.

Each app's `permissions.py` holds one table, `POLICY`, from an action to a `Rule`: the roles
that allow it at the organisations that count (the object's parties, its lead, or the
organisation itself), whether a steering group seat allows it, and, for actions that lists
must filter by in SQL, the django-guardian codename granted to the role groups
(`org-<id>-<role>`, see services.role_group). Views, selectors and services ask the table
through `may(...)` and the fetch-and-authorise helpers; nothing else reads `Membership` roles
to decide access. Guardian grants are made only by the apps' permissions modules, from the
same table.

Outsiders never learn an organisation's details (404); a member without the role gets 403.

Adding a role (say "auditor"; docs/architecture.md walks through it):
1. `Role` in models.py gets `AUDITOR`, `RoleFields` an `is_auditor` boolean and `ROLE_HINTS`
   its hint; `makemigrations organisations` adds the column (nobody holds it yet, so the role
   groups need no back-fill: sync_role_groups fills `org-<id>-auditor` as roles are given).
2. Add `Role.AUDITOR` to the roles of each row it should allow, in the permissions.py of the
   app that owns the action (agreements/permissions.py `Action.VIEW` for "reads its
   organisation's agreements").
3. For rows with a `grant` (kept as guardian grants so lists stay one SQL query), existing
   objects need the new group's grants: add a data migration to that app, depending on the
   migration of step 1, that runs its `grants_backfill_migration`
   (`migrations.RunPython(grants_backfill_migration, migrations.RunPython.noop)`). It works on
   the migration's own models (GrantTable below), so it keeps running after later changes.
   Rows without a grant are worked out from memberships on each request and need nothing more.
4. The persona's row in the app's table test (tests/<app>/test_policy.py).
tests/organisations/test_policy.py proves the recipe by adding a role to a row at run time.
"""

from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from isf_portal.compiled import CompiledRead

from .models import Membership, Organisation, Role, SteeringGroupMember

# Everyone with a membership, whatever their roles (read-only members included). The same
# name is the suffix of the role group that holds them (services.ALL_MEMBERS).
ANY_MEMBERSHIP = "all"


@dataclass(frozen=True)
class Rule:
    """Who may take one action.

    roles: roles (or ANY_MEMBERSHIP) that allow it, held at an organisation in `scope`.
    scope: "parties" (the object's parties), "lead" (its lead organisation only) or
        "organisation" (the organisation the action is on).
    steering: a steering group seat allows it too.
    staff: portal administrators may, without a membership.
    active_only: only memberships of active organisations count.
    grant: the guardian codename granted to the role groups, for actions lists filter by.
    """

    roles: frozenset = field(default_factory=frozenset)
    scope: str = "parties"
    steering: bool = False
    staff: bool = False
    active_only: bool = False
    grant: str = ""

    def allows(self, membership: Membership | None) -> bool:
        if membership is None:
            return False
        return self.allows_roles(membership.roles, active=membership.organisation.is_active)

    def allows_roles(self, held, *, active: bool) -> bool:
        """The answer for a membership holding the roles `held` (role values) at an
        organisation that is `active` or not: for callers holding a cached copy of the
        memberships rather than the rows (the navigation)."""
        if self.active_only and not active:
            return False
        return ANY_MEMBERSHIP in self.roles or any(role in self.roles for role in held)

    def holders_q(self, prefix: str = "") -> Q:
        """Memberships that hold one of the rule's roles, as a filter on Membership (or on a
        relation to it, with `prefix`, e.g. "memberships__")."""
        q = Q()
        if ANY_MEMBERSHIP not in self.roles:
            q = Q(pk__in=[]) if not prefix else Q(**{f"{prefix}pk__in": []})
            for role in self.roles:
                q |= Q(**{f"{prefix}is_{Role(role).value}": True})
        if self.active_only:
            q &= Q(**{f"{prefix}organisation__is_active": True})
        return q

    def group_roles(self) -> list[str]:
        """The role groups a grant for this rule goes to at each organisation in scope."""
        return sorted(str(role) for role in self.roles)


def roles(*names) -> frozenset:
    return frozenset(names)


class Action(StrEnum):
    VIEW = "view"  # its page, members and history
    MANAGE = "manage"  # details, invitations, members' roles, removing members
    DELEGATE = "delegate"  # an approver lets a colleague decide for them
    DEPUTISE = "deputise"  # may be that colleague (a role-holder, never a read-only member)


POLICY: dict[Action, Rule] = {
    Action.VIEW: Rule(roles=roles(ANY_MEMBERSHIP), scope="organisation", staff=True),
    Action.MANAGE: Rule(roles=roles(Role.ORG_ADMIN), scope="organisation", staff=True),
    Action.DELEGATE: Rule(roles=roles(Role.APPROVER), scope="organisation"),
    Action.DEPUTISE: Rule(
        roles=roles(Role.MEMBER, Role.SIGNATORY, Role.GOVERNANCE_OFFICER, Role.ORG_ADMIN),
        scope="organisation",
    ),
}


# --- The user's memberships, read once per request -------------------------------------------
# Compiled once (isf_portal/compiled.py): almost every signed-in page reads both, and building
# the two querysets cost more CPU than running them.
_memberships_of = CompiledRead(
    lambda user_id: (
        Membership.objects.filter(user_id=user_id).select_related("organisation").order_by()
    ),
    user_id=int,
)
_seat_of = CompiledRead(  # .first(): a user has one seat at most (one-to-one)
    lambda user_id: (
        SteeringGroupMember.objects.filter(user_id=user_id)
        .select_related("organisation")
        .order_by("pk")[:1]
    ),
    user_id=int,
)


def _user(request_or_user):
    return getattr(request_or_user, "user", request_or_user)


def memberships(request_or_user) -> dict[int, Membership]:
    """The user's memberships by organisation id. Given a request, read once and kept on it
    for the rest of the request; given a user, read fresh (services check after a change)."""
    user = _user(request_or_user)
    if not user.is_authenticated or not user.is_active:
        return {}
    owner = request_or_user if hasattr(request_or_user, "user") else None
    cached = getattr(owner, "_isf_memberships", None) if owner is not None else None
    if cached is not None:
        return cached
    found = {m.organisation_id: m for m in _memberships_of.instances(user_id=user.pk)}
    if owner is not None:
        owner._isf_memberships = found
    return found


def steering_seat(request_or_user) -> SteeringGroupMember | None:
    """The user's steering group seat (with its organisation), or None. Given a request, read
    once and kept on it for the rest of the request."""
    user = _user(request_or_user)
    if not user.is_authenticated or not user.is_active:
        return None
    owner = request_or_user if hasattr(request_or_user, "user") else None
    if owner is not None and hasattr(owner, "_isf_steering_seat"):
        return owner._isf_steering_seat
    seats = _seat_of.instances(user_id=user.pk)
    seat = seats[0] if seats else None
    if owner is not None:
        owner._isf_steering_seat = seat
    return seat


def has_steering_seat(request_or_user) -> bool:
    return steering_seat(request_or_user) is not None


# The codenames a user's groups hold on one object, compiled once per guardian table
# (isf_portal/compiled.py: `grant_model` is a shape): every proposal and agreement page and
# post asks it, and building the query cost several times running it.
_GRANTS = CompiledRead(
    lambda object_id, user_id, grant_model: grant_model.objects.filter(
        content_object_id=object_id, group__user=user_id
    ).values_list("permission__codename"),
    object_id=int,
    user_id=int,
)


def granted_codenames(request_or_user, grant_model, obj) -> frozenset[str]:
    """The codenames the user's groups are granted on `obj` in `grant_model` (an app's
    guardian table with a direct foreign key): one query, kept on the request for the rest of
    it. Superusers hold only what their groups hold, like everyone else (guardian would grant
    them everything), and direct user grants are not used by the portal."""
    user = _user(request_or_user)
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    owner = request_or_user if hasattr(request_or_user, "user") else None
    key = (grant_model._meta.label, obj.pk)
    cached = getattr(owner, "_isf_grants", None) if owner is not None else None
    if cached is not None and key in cached:
        return cached[key]
    rows = _GRANTS.rows(object_id=obj.pk, user_id=user.pk, grant_model=grant_model)
    found = frozenset(row[0] for row in rows)
    if owner is not None:
        if cached is None:
            cached = owner._isf_grants = {}
        cached[key] = found
    return found


def remember_codenames(request, grant_model, obj, codenames) -> None:
    """Keep on the request the codenames the user's groups are granted on `obj`, read by the
    caller with the object itself (what granted_codenames would read): the checks after it
    ask no query."""
    if not hasattr(request, "user"):
        return
    cached = getattr(request, "_isf_grants", None)
    if cached is None:
        cached = request._isf_grants = {}
    cached[(grant_model._meta.label, obj.pk)] = frozenset(codenames)


def allowed_at(request_or_user, rule: Rule, organisation_ids) -> list[int]:
    """Of these organisations, those where the user holds one of the rule's roles."""
    organisation_ids = list(organisation_ids)
    if not organisation_ids:
        return []  # nothing to check: the memberships need not be read
    held = memberships(request_or_user)
    return [pk for pk in organisation_ids if rule.allows(held.get(pk))]


def by_rule(request_or_user, rule: Rule, organisation_ids) -> bool:
    """The rule's answer for a user over the organisations in its scope (no guardian grant).
    The memberships, which a request has usually read already, are asked before the steering
    seat, which would be a query of its own."""
    if rule.staff and _user(request_or_user).is_staff:
        return True
    if allowed_at(request_or_user, rule, organisation_ids):
        return True
    return bool(rule.steering and has_steering_seat(request_or_user))


# --- Organisations ---------------------------------------------------------------------------
def may(request_or_user, action: Action, organisation: Organisation) -> bool:
    return by_rule(request_or_user, POLICY[action], [organisation.pk])


def organisation_for(request, organisation: Organisation, action: Action = Action.VIEW):
    """Authorise `action` on `organisation`: 404 for those who may not see it, 403 for those
    who see it but may not do this. Returns the user's membership there (None for staff)."""
    if not may(request, Action.VIEW, organisation):
        raise Http404
    if action != Action.VIEW and not may(request, action, organisation):
        raise PermissionDenied
    return memberships(request).get(organisation.pk)


def organisation_by_slug(request, slug: str, action: Action = Action.VIEW) -> Organisation:
    """The organisation at `slug`, authorised for `action` as organisation_for does (404 for
    those who may not see it, 403 for those who may not do this)."""
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404
    organisation_for(request, organisation, action)
    return organisation


def holders(action: Action, organisation: Organisation):
    """The memberships at `organisation` whose roles allow `action`."""
    return Membership.objects.filter(POLICY[action].holders_q(), organisation=organisation)


def steering_seats(rule: Rule):
    """The steering group seats a rule allows: every seat if it allows the steering group."""
    if not rule.steering:
        return SteeringGroupMember.objects.none()
    return SteeringGroupMember.objects.all()


# --- Back-filling grants (from the apps' grants_backfill) ------------------------------------
class GrantTable:
    """One app's object-permission rows, written in bulk through an app registry: the live one,
    or a data migration's historical one. A migration must use its own (`apps.get_model`):
    the live models follow today's code, so an old migration that used them would break once
    a later one changed their tables. Historical models have no guardian managers, so the rows
    are written here directly."""

    def __init__(self, apps, *, app_label: str, model_name: str, grant_model: str):
        self.apps = apps
        self.model = apps.get_model(app_label, model_name)
        self.grants = apps.get_model(app_label, grant_model)
        self._permission_ids: dict[str, int] = {}
        self._group_ids: dict[str, int] = {}

    def permission_id(self, codename: str) -> int:
        if codename not in self._permission_ids:
            opts = self.model._meta
            content_type, _created = self.apps.get_model(
                "contenttypes", "ContentType"
            ).objects.get_or_create(app_label=opts.app_label, model=opts.model_name)
            permissions = self.apps.get_model("auth", "Permission").objects
            permission = permissions.filter(content_type=content_type, codename=codename).first()
            if permission is None:
                # A migration runs before post_migrate makes the permissions of a codename new
                # in this release: make it as Django would, with the same name.
                names = {
                    f"{action}_{opts.model_name}": f"Can {action} {opts.verbose_name_raw}"
                    for action in opts.default_permissions
                } | dict(opts.permissions)
                permission = permissions.create(
                    content_type=content_type, codename=codename, name=names[codename]
                )
            self._permission_ids[codename] = permission.pk
        return self._permission_ids[codename]

    def group_id(self, name: str) -> int:
        if name not in self._group_ids:
            group, _created = self.apps.get_model("auth", "Group").objects.get_or_create(name=name)
            self._group_ids[name] = group.pk
        return self._group_ids[name]

    def add(self, codename: str, group_name: str, objects) -> int:
        """Grant `codename` on `objects` (a queryset of the model) to the group named; returns
        how many grant rows were new. Adds only; safe to run again."""
        permission_id, group_id = self.permission_id(codename), self.group_id(group_name)
        held = self.grants.objects.filter(permission_id=permission_id, group_id=group_id)
        ids = list(
            objects.order_by()
            .exclude(pk__in=held.values("content_object_id"))
            .values_list("pk", flat=True)
            .distinct()
        )
        self.grants.objects.bulk_create(
            [
                self.grants(content_object_id=pk, permission_id=permission_id, group_id=group_id)
                for pk in ids
            ],
            batch_size=5000,
            ignore_conflicts=True,  # a grant made meanwhile by the app
        )
        return len(ids)
