"""Writes for organisations, memberships, invitations and the steering group.

Each is one guarded function: lock, check, change, audit, then side effects after commit.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit
from notifications.models import NotificationKind
from notifications.services import email_send, notify

from . import permissions
from .models import Delegation, Invitation, Membership, Organisation, Role, User

EDITABLE_ORGANISATION_FIELDS = [
    "short_name",
    "ico_registration_number",
    "ods_code",
    "dpo_name",
    "dpo_email",
    "ig_mailbox",
    "dspt_status",
]


# Everyone with a membership, whatever their roles (read-only members included).
ALL_MEMBERS = "all"
STEERING_GROUP = "steering-group"


def role_group_name(*, organisation_id: int, role: str) -> str:
    return f"org-{organisation_id}-{role}"


def role_group(*, organisation: Organisation, role: str) -> Group:
    """The auth group that holds everyone with `role` at `organisation` (or ALL_MEMBERS).

    Object permissions (django-guardian) are granted to these groups, never to people, so a
    membership change takes effect on the next request and grants stay few at scale.
    """
    group, _created = Group.objects.get_or_create(
        name=role_group_name(organisation_id=organisation.pk, role=role)
    )
    return group


def steering_group_group() -> Group:
    group, _created = Group.objects.get_or_create(name=STEERING_GROUP)
    return group


def sync_role_groups(*, user: User, organisation: Organisation, roles, member: bool = True):
    """Put `user` in exactly the groups of `roles` at `organisation` (plus ALL_MEMBERS while
    they are a member at all)."""
    prefix = f"org-{organisation.pk}-"
    names = [str(role) for role in roles] + ([ALL_MEMBERS] if member else [])
    wanted = {role_group(organisation=organisation, role=name).pk for name in names}
    current = set(user.groups.filter(name__startswith=prefix).values_list("pk", flat=True))
    if current - wanted:
        user.groups.remove(*(current - wanted))
    if wanted - current:
        user.groups.add(*(wanted - current))


def sync_steering_group(*, user: User, seated: bool) -> None:
    if seated:
        user.groups.add(steering_group_group())
    else:
        user.groups.remove(steering_group_group())


def organisation_update(*, organisation: Organisation, by: User, data: dict) -> Organisation:
    """An organisation admin corrects the organisation's details."""
    with transaction.atomic():
        org = Organisation.objects.select_for_update().get(pk=organisation.pk)
        changed = [
            f for f in EDITABLE_ORGANISATION_FIELDS if f in data and getattr(org, f) != data[f]
        ]
        if not changed:
            return org
        for field in changed:
            setattr(org, field, data[field])
        org.full_clean()
        audit(org, reason="isf.organisation.updated", by=by)
        org.save(update_fields=changed)
    return org


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *, organisation: Organisation, email: str, roles, by: User
) -> tuple[Invitation, str]:
    """Invite a colleague by e-mail. Returns the invitation and its one-time token."""
    email = email.strip().lower()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise DomainError(
            _("%(email)s is already a member of %(org)s")
            % {"email": email, "org": organisation.name}
        )
    if not roles:
        raise DomainError(_("Select at least one role"))
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        organisation=organisation,
        email=email,
        token_hash=_hash_token(token),
        invited_by=by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    invitation.set_roles(roles)
    audit(invitation, reason="isf.invitation.sent", by=by)
    try:
        with transaction.atomic():
            invitation.save()
            email_send(
                to=email,
                cc=[],
                subject=_("You have been invited to join %(org)s") % {"org": organisation.name},
                template="invitation",
                context={
                    "invitation": invitation,
                    "accept_url": settings.SITE_URL
                    + reverse("accounts:accept-invitation", args=[token]),
                },
            )
    except IntegrityError as exc:
        raise DomainError(
            _("%(email)s already has an invitation waiting. Cancel it to send a new one.")
            % {"email": email}
        ) from exc
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation", "invited_by")
        .filter(token_hash=_hash_token(token))
        .first()
    )


def invitation_cancel(*, invitation: Invitation, by: User) -> Invitation:
    with transaction.atomic():
        inv = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not inv.is_open:
            raise DomainError(_("This invitation has already been accepted or cancelled"))
        inv.cancelled_at = timezone.now()
        audit(inv, reason="isf.invitation.cancelled", by=by)
        inv.save(update_fields=["cancelled_at"])
    return inv


def invitation_accept(*, token: str, user: User | None = None, new_user: dict | None = None):
    """Accept an invitation: as the signed-in `user`, or by creating `new_user`.

    The token works once and only before it expires. Returns the membership.
    """
    with transaction.atomic():
        inv = (
            Invitation.objects.select_for_update()
            .select_related("organisation")
            .filter(token_hash=_hash_token(token))
            .first()
        )
        if inv is None or inv.cancelled_at is not None:
            raise DomainError(_("This invitation link is not valid. Ask for a new invitation."))
        if inv.accepted_at is not None:
            raise DomainError(_("This invitation has already been used. Sign in instead."))
        if inv.is_expired:
            raise DomainError(
                _("This invitation has expired. Ask %(org)s for a new one.")
                % {"org": inv.organisation.name}
            )
        if user is None:
            if User.objects.filter(email__iexact=inv.email).exists():
                raise DomainError(_("You already have an account. Sign in to accept."))
            user = User(email=inv.email, **{k: new_user[k] for k in ("full_name", "job_title")})
            user.set_password(new_user["password"])
            audit(user, reason="isf.user.registered", by=None)
            user.save()
        elif user.email.lower() != inv.email.lower():
            raise DomainError(
                _("This invitation was sent to %(email)s. Sign in with that address to accept.")
                % {"email": inv.email}
            )
        membership, created = Membership.objects.select_for_update().get_or_create(
            user=user, organisation=inv.organisation, defaults={"is_member": False}
        )
        merged = set(membership.roles if not created else []) | set(inv.roles)
        membership.set_roles(merged)
        audit(membership, reason="isf.membership.joined", by=user)
        membership.save()
        sync_role_groups(user=user, organisation=inv.organisation, roles=merged)
        inv.accepted_at = timezone.now()
        inv.accepted_by = user
        audit(inv, reason="isf.invitation.accepted", by=user)
        inv.save(update_fields=["accepted_at", "accepted_by"])
    return membership


def _other_admins(membership: Membership) -> bool:
    return (
        Membership.objects.filter(organisation_id=membership.organisation_id, is_org_admin=True)
        .exclude(pk=membership.pk)
        .exists()
    )


def membership_set_roles(*, membership: Membership, roles, by: User) -> Membership:
    """Change the roles a person holds at their organisation."""
    roles = {Role(r) for r in roles}
    with transaction.atomic():
        m = (
            Membership.objects.select_for_update()
            .select_related("user", "organisation")
            .get(pk=membership.pk)
        )
        if m.is_org_admin and Role.ORG_ADMIN not in roles and not _other_admins(m):
            raise DomainError(
                _("%(org)s must keep at least one organisation admin")
                % {"org": m.organisation.name}
            )
        if set(m.roles) == roles:
            return m
        m.set_roles(roles)
        audit(m, reason="isf.membership.roles_changed", by=by)
        m.save()
        sync_role_groups(user=m.user, organisation=m.organisation, roles=roles)
    return m


def membership_remove(*, membership: Membership, by: User) -> None:
    """Remove a person from an organisation. They lose access on their next request."""
    with transaction.atomic():
        m = (
            Membership.objects.select_for_update()
            .select_related("user", "organisation")
            .get(pk=membership.pk)
        )
        if m.is_org_admin and not _other_admins(m):
            raise DomainError(
                _("%(org)s must keep at least one organisation admin")
                % {"org": m.organisation.name}
            )
        sync_role_groups(user=m.user, organisation=m.organisation, roles=[], member=False)
        audit(m, reason="isf.membership.removed", by=by)
        m.delete()


def membership_grant(*, user: User, organisation: Organisation, roles, by: User | None = None):
    """Give `user` exactly `roles` at `organisation` (admin and demo data use this)."""
    with transaction.atomic():
        m, _created = Membership.objects.select_for_update().get_or_create(
            user=user, organisation=organisation, defaults={"is_member": False}
        )
        if _created or set(m.roles) != {Role(r) for r in roles}:
            m.set_roles(roles)
            audit(m, reason="isf.membership.granted", by=by)
            m.save()
        sync_role_groups(user=user, organisation=organisation, roles=roles)
    return m


def delegation_create(
    *, organisation: Organisation, approver: User, delegate: User, starts_on, ends_on
) -> "Delegation":
    """An approver lets a named colleague who is not an approver decide for a period."""
    with transaction.atomic():
        if not permissions.may(approver, permissions.Action.DELEGATE, organisation):
            raise DomainError(_("Only an approver can delegate their approvals."))
        colleague = Membership.objects.filter(user=delegate, organisation=organisation).first()
        if colleague is None:
            raise DomainError(_("Choose a colleague at %(org)s") % {"org": organisation.name})
        if permissions.POLICY[permissions.Action.DELEGATE].allows(colleague):
            raise DomainError(
                _("%(name)s is an approver already and can decide without a delegation")
                % {"name": delegate.full_name}
            )
        if not permissions.POLICY[permissions.Action.DEPUTISE].allows(colleague):
            raise DomainError(
                _(
                    "%(name)s is a read-only member of %(org)s and cannot decide: choose a "
                    "colleague with a role"
                )
                % {"name": delegate.full_name, "org": organisation.name}
            )
        if ends_on < starts_on:
            raise DomainError(_("The end date must be on or after the start date"))
        if starts_on < timezone.localdate():
            raise DomainError(_("The start date must be today or in the future"))
        delegation = Delegation(
            organisation=organisation,
            approver=approver,
            delegate=delegate,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        audit(delegation, reason="isf.delegation.created", by=approver)
        delegation.save()
        _tell_delegate(
            delegation,
            title=_("%(name)s has delegated their approvals for %(org)s to you")
            % {"name": approver.full_name, "org": organisation.name},
        )
    return delegation


def _tell_delegate(delegation, *, title: str) -> None:
    """The delegate hears of a delegation given or ended: in the portal and by e-mail."""
    notify(
        user=delegation.delegate,
        kind=NotificationKind.OTHER,
        title=title,
        url=reverse("home"),
        template="delegation",
        context={"delegation": delegation, "ended": delegation.revoked_at is not None},
    )


def delegation_revoke(*, delegation, by: User):
    with transaction.atomic():
        d = type(delegation).objects.select_for_update().get(pk=delegation.pk)
        if d.revoked_at is not None:
            raise DomainError(_("This delegation has already ended"))
        if d.approver_id != by.pk and not by.is_staff:
            raise DomainError(_("Only the approver who delegated can end it"))
        d.revoked_at = timezone.now()
        audit(d, reason="isf.delegation.revoked", by=by)
        d.save(update_fields=["revoked_at"])
        _tell_delegate(
            d,
            title=_("%(name)s's delegation of their approvals for %(org)s to you has ended")
            % {"name": d.approver.full_name, "org": d.organisation.name},
        )
    return d


def sso_member_join(*, user: User, organisation: Organisation) -> Membership:
    """A new person signed in with `organisation`'s provider: a member with no other role.

    Its organisation admins are told, since roles stay theirs to give.
    """
    from notifications.models import NotificationKind
    from notifications.services import notify

    with transaction.atomic():
        membership = Membership(user=user, organisation=organisation)
        membership.set_roles([Role.MEMBER])
        audit(membership, reason="isf.membership.joined_by_sso", by=user)
        membership.save()
        sync_role_groups(user=user, organisation=organisation, roles=[Role.MEMBER])
        admins = User.objects.filter(
            memberships__organisation=organisation, memberships__is_org_admin=True, is_active=True
        ).exclude(pk=user.pk)
        url = reverse("organisations:detail", kwargs={"slug": organisation.slug})
        for admin in admins:
            notify(
                user=admin,
                kind=NotificationKind.OTHER,
                title=_("%(name)s joined %(org)s by signing in with its account")
                % {"name": user.full_name, "org": organisation.name},
                url=url,
                template="sso_member_joined",
                context={"member": user, "organisation": organisation},
            )
    return membership


def audit_sign_out_others(*, user: User) -> None:
    """A history row on the person: they ended their other sessions."""
    audit(user, reason="isf.user.signed_out_elsewhere", by=user)
    user.save(update_fields=["full_name"])
