"""Who may see and do what with an agreement: the table below, and the only place its object
permissions are granted.

Members of its parties and the steering group open an agreement's page and PDFs (a guardian
grant to their groups, so the register marks a page of rows in one query); everyone signed
in sees the register's summaries; anyone else gets 404 for the agreement's pages. Signing,
managing its lifecycle and recording agreements signed elsewhere are worked out from the
user's memberships on each request, and so is who is told of its signing, sealing, reviews
and end (OVERSEE). The shape of a row, and how to add a role: organisations/permissions.py.
"""

from collections.abc import Iterable
from enum import StrEnum

from django.apps import apps as global_apps
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import Exists, OuterRef, QuerySet, Value
from django.http import Http404

from organisations.models import Membership, Organisation, Role
from organisations.navigation import navigation
from organisations.permissions import (
    ANY_MEMBERSHIP,
    GrantTable,
    Rule,
    allowed_at,
    by_rule,
    granted_codenames,
    memberships,
    remember_codenames,
    roles,
)
from organisations.services import (
    STEERING_GROUP,
    role_group,
    role_group_name,
    steering_group_group,
)

from .models import Agreement, AgreementGroupObjectPermission, AgreementParty


class Action(StrEnum):
    VIEW = "view"  # its page, its status, its timeline and the signed PDF
    DOCUMENTS = "documents"  # the draft PDF (and the proposal's DPIA, see DOCUMENTS_LEAD)
    DOCUMENTS_LEAD = "documents_lead"  # the same, for the members of its proposal's lead
    SIGN = "sign"  # sign or decline for a party, in a capacity it requires (signing.py)
    MANAGE = "manage"  # open and close its reviews: continue, propose to vary or terminate
    CONSENT = "consent"  # agree or decline, for a party, what another party proposes
    RECORD_EXTERNAL = "record_external"  # record an agreement signed outside the portal
    OVERSEE = "oversee"  # told of its sealing, reviews and end; sees who downloaded it
    PUBLISH = "publish"  # propose publishing it on the public register, or take it off


# Decided (issue #12): every member of a party reads the agreement and downloads the signed
# PDF (they work under its terms); the draft PDF and the DPIA are for the party's
# signatories, approvers and governance officers and the proposal's lead members.
POLICY: dict[Action, Rule] = {
    Action.VIEW: Rule(roles=roles(ANY_MEMBERSHIP), steering=True, grant="view_agreement"),
    Action.DOCUMENTS: Rule(
        roles=roles(Role.SIGNATORY, Role.APPROVER, Role.GOVERNANCE_OFFICER), steering=True
    ),
    Action.DOCUMENTS_LEAD: Rule(roles=roles(Role.MEMBER), scope="lead"),
    Action.SIGN: Rule(roles=roles(Role.SIGNATORY)),
    Action.MANAGE: Rule(roles=roles(Role.GOVERNANCE_OFFICER, Role.APPROVER), active_only=True),
    Action.CONSENT: Rule(roles=roles(Role.GOVERNANCE_OFFICER, Role.SIGNATORY), active_only=True),
    Action.RECORD_EXTERNAL: Rule(
        roles=roles(Role.GOVERNANCE_OFFICER), scope="organisation", active_only=True
    ),
    Action.OVERSEE: Rule(roles=roles(Role.GOVERNANCE_OFFICER)),
    Action.PUBLISH: Rule(roles=roles(Role.GOVERNANCE_OFFICER), active_only=True),
}


# --- Asking the table ------------------------------------------------------------------------
def _granted(request_or_user, codename: str, agreement: Agreement) -> bool:
    # Superusers see what their organisations are party to, like everyone else.
    return codename in granted_codenames(request_or_user, AgreementGroupObjectPermission, agreement)


def _party_ids(agreement: Agreement) -> list[int]:
    if "parties" in getattr(agreement, "_prefetched_objects_cache", {}):
        return [party.organisation_id for party in agreement.parties.all()]
    return list(agreement.parties.values_list("organisation_id", flat=True))


def _lead_ids(agreement: Agreement) -> list[int]:
    if "parties" in getattr(agreement, "_prefetched_objects_cache", {}):
        return [party.organisation_id for party in agreement.parties.all() if party.is_lead]
    return list(agreement.parties.filter(is_lead=True).values_list("organisation_id", flat=True))


def may(request_or_user, action: Action, agreement: Agreement) -> bool:
    rule = POLICY[action]
    if rule.grant:
        return _granted(request_or_user, rule.grant, agreement)
    if action == Action.DOCUMENTS:
        return by_rule(request_or_user, rule, _party_ids(agreement)) or may(
            request_or_user, Action.DOCUMENTS_LEAD, agreement
        )
    if rule.scope == "lead":
        return by_rule(request_or_user, rule, _lead_ids(agreement))
    return by_rule(request_or_user, rule, _party_ids(agreement))


def may_at(request_or_user, action: Action, organisation: Organisation) -> bool:
    """For rows scoped to an organisation (RECORD_EXTERNAL)."""
    return by_rule(request_or_user, POLICY[action], [organisation.pk])


def organisations_for(request_or_user, action: Action) -> list[Organisation]:
    """The organisations where the user's roles allow `action` (RECORD_EXTERNAL: those they
    may record agreements for)."""
    held = memberships(request_or_user)
    allowed = allowed_at(request_or_user, POLICY[action], held)
    return sorted((held[pk].organisation for pk in allowed), key=lambda o: o.name)


def holders(
    action: Action, agreement: Agreement, *, user=None, party: AgreementParty | None = None
):
    """Memberships at the agreement's parties (at one party, if given) whose roles allow
    `action` (one user's, if given)."""
    queryset = Membership.objects.filter(
        POLICY[action].holders_q(), organisation__agreement_parties__agreement=agreement
    )
    if party is not None:
        queryset = queryset.filter(organisation_id=party.organisation_id)
    if user is None:
        return queryset
    if not user.is_authenticated or not user.is_active:
        return Membership.objects.none()
    return queryset.filter(user=user)


def visible_to(*, user) -> QuerySet:
    """The ids of the agreements the user may open, as a subquery to filter by (the search of
    data items, search.py); nothing for someone not signed in."""
    if not user.is_authenticated:
        return AgreementGroupObjectPermission.objects.none().values("content_object_id")
    return AgreementGroupObjectPermission.objects.filter(
        permission__codename=POLICY[Action.VIEW].grant, group__user=user
    ).values("content_object_id")


def may_open(*, user) -> Exists | Value:
    """Whether the user may open each agreement, as an annotation: the register marks the
    rows of its page in the page's own query."""
    if not user.is_authenticated:
        return Value(False)
    return Exists(visible_to(user=user).filter(content_object_id=OuterRef("pk")))


def record_external_offered(user) -> bool:
    """Whether the register offers recording an agreement signed outside the portal, decided
    from the roles the cached navigation holds at each active organisation (no query): it
    only draws the button. The form itself asks organisations_for, from the database."""
    if not user.is_authenticated:
        return False
    rule = POLICY[Action.RECORD_EXTERNAL]
    return any(
        rule.allows_roles(organisation["role_values"], active=True)
        for organisation in navigation(user)["organisations"]
    )


def visible_ids(*, user, agreement_ids: Iterable[int]) -> set[int]:
    """Which of these agreements the user may open: one query for a whole page, however many
    groups the user is in."""
    ids = list(agreement_ids)
    if not ids or not user.is_authenticated:
        return set()
    return set(
        visible_to(user=user)
        .filter(content_object_id__in=ids)
        .values_list("content_object_id", flat=True)
    )


# --- Fetch and authorise ---------------------------------------------------------------------
def viewer_codenames(user_id) -> ArraySubquery:
    """The codenames the user's groups are granted on the agreement (`pk` of the outer
    query), as an array: agreement_for keeps them on the request."""
    return ArraySubquery(
        AgreementGroupObjectPermission.objects.filter(
            content_object_id=OuterRef("pk"), group__user=user_id
        ).values("permission__codename")
    )


def agreement_for(
    request,
    reference: str,
    action: Action = Action.VIEW,
    *,
    queryset: QuerySet | None = None,
    read=None,
) -> Agreement:
    """The agreement if the user may see it (404 otherwise) and take `action` on it (403).
    `queryset`: the agreements to look in, when a page reads more with the row (annotations).
    `read`: instead, for the page that opens agreements most often, a pair of compiled reads
    (isf_portal.compiled.CompiledRead) of one agreement by its `reference`: the first also
    annotated with `viewer_codenames(user_id)` (used on PostgreSQL), the second without.

    On PostgreSQL the user's grants on it are read in the same query (an array subquery) and
    kept on the request, where the permission checks look first: one query fewer on every
    agreement page. SQLite (the embedded default) has no arrays: the checks read them."""
    queryset = Agreement.objects.all() if queryset is None else queryset
    user = request.user
    grants = (
        user.is_authenticated and user.is_active and connections[queryset.db].vendor == "postgresql"
    )
    if read is not None:
        found = (
            read[0].instances(reference=reference, user_id=user.pk)
            if grants
            else read[1].instances(reference=reference)
        )
        agreement = found[0] if found else None
    else:
        if grants:
            queryset = queryset.annotate(viewer_codenames=viewer_codenames(user.pk))
        agreement = queryset.filter(reference=reference).first()
    if agreement is not None and grants:
        remember_codenames(
            request, AgreementGroupObjectPermission, agreement, agreement.viewer_codenames
        )
    if agreement is None or not may(request, Action.VIEW, agreement):
        raise Http404
    if action != Action.VIEW and not may(request, action, agreement):
        raise PermissionDenied
    return agreement


# --- Object grants (made here only) ----------------------------------------------------------
def party_grants() -> list[tuple[str, str]]:
    """The (codename, role) pairs each party's role groups are granted on an agreement. The
    benchmark's bulk seeding reads this too."""
    return [
        (rule.grant, role) for rule in POLICY.values() if rule.grant for role in rule.group_roles()
    ]


def steering_grants() -> list[str]:
    """The codenames the steering group is granted on every agreement."""
    return [rule.grant for rule in POLICY.values() if rule.grant and rule.steering]


def agreement_grant_parties(*, agreement: Agreement) -> None:
    """Each party's role groups and the steering group get the table's grants."""
    for organisation in Organisation.objects.filter(agreement_parties__agreement=agreement):
        for codename, role in party_grants():
            group = role_group(organisation=organisation, role=role)
            AgreementGroupObjectPermission.objects.assign_perm(codename, group, agreement)
    for codename in steering_grants():
        AgreementGroupObjectPermission.objects.assign_perm(
            codename, steering_group_group(), agreement
        )


def grants_backfill(apps=global_apps) -> int:
    """Make every grant the table calls for on every existing agreement (after a role is added
    to a granted row). Adds only; safe to run again. Reads the models from `apps`: a data
    migration passes its own (see grants_backfill_migration). Returns how many grant rows it
    added."""
    table = GrantTable(
        apps,
        app_label="agreements",
        model_name="agreement",
        grant_model="AgreementGroupObjectPermission",
    )
    agreements = table.model.objects
    parties = apps.get_model("agreements", "AgreementParty").objects
    added = 0
    for organisation_id in parties.order_by().values_list("organisation_id", flat=True).distinct():
        objects = agreements.filter(parties__organisation_id=organisation_id)
        for codename, role in party_grants():
            name = role_group_name(organisation_id=organisation_id, role=role)
            added += table.add(codename, name, objects)
    for codename in steering_grants():
        added += table.add(codename, STEERING_GROUP, agreements.all())
    return added


def grants_backfill_migration(apps, schema_editor) -> None:
    """For a data migration's RunPython, after a role joins a granted row: the back-fill on
    the migration's historical models, so the migration keeps running after later changes."""
    grants_backfill(apps)
