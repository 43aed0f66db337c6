"""Creating, finding and revoking API tokens. A token reads `isf_<prefix>_<secret>`: the
prefix is kept in clear to list and tell tokens apart, the whole token only as its SHA-256."""

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from isf_portal.domain import DomainError, audit, service_account_address
from organisations.models import User
from organisations.services import membership_grant

from .models import ApiToken, ApiWrite, TokenScope

MAX_DAYS = 366  # "at most a year", a leap year included
TOKEN_START = "isf_"  # noqa: S105 (a prefix, not a secret)


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_create(
    *, user, name: str, days: int, scope: str, by, organisation=None
) -> tuple[ApiToken, str]:
    """A new token and its secret, which is returned here once and never stored."""
    if not 1 <= days <= MAX_DAYS:
        raise DomainError(_("A token must expire within a year"))
    if scope not in TokenScope.values:
        raise DomainError(_("Choose read only or read and write"))
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_START}{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken(
        user=user,
        organisation=organisation,
        name=name.strip(),
        prefix=prefix,
        digest=token_digest(raw),
        scope=scope,
        created_by=by,
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    audit(token, reason="isf.api.token_created", by=by)
    token.save()
    return token, raw


def token_revoke(*, token: ApiToken, by) -> ApiToken:
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            audit(token, reason="isf.api.token_revoked", by=by)
            token.save(update_fields=["revoked_at"])
    return token


def token_find(raw: str) -> ApiToken | None:
    """The usable token `raw` names, or None (unknown, revoked or expired)."""
    if not raw.startswith(TOKEN_START):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # Last use to the minute: one write a minute per token at most, and an update() on
    # purpose: a bookkeeping time, not a change to audit (a history row per request would
    # bury the token's creation and revocation).
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def write_record(*, token: ApiToken | None, user, action: str, target: str) -> ApiWrite:
    """Every write through the API is recorded with the name of the token that made it."""
    row = ApiWrite(
        token=token,
        token_name=token.name if token else "",
        user=user,
        action=action,
        target=target,
    )
    audit(row, reason=f"isf.api.{action}", by=user)
    row.save()
    return row


# Roles a service account may hold: decisions, signatures and votes are people's.
SERVICE_ROLES = ("member", "governance_officer")


def service_token_create(
    *, organisation, name: str, roles, days: int, scope: str, by
) -> tuple[ApiToken, str]:
    """An organisation admin's token for a named service account of the organisation,
    holding only `roles` (never approver, signatory or a steering seat)."""
    if not set(roles) <= set(SERVICE_ROLES):
        raise DomainError(_("A service account may be a member or a governance officer only"))
    with transaction.atomic():
        account = User.objects.create_user(
            email=service_account_address(
                organisation_slug=organisation.slug, key=secrets.token_hex(6)
            ),
            full_name=f"{name.strip()} (service account of {organisation.short_name})",
        )
        membership_grant(user=account, organisation=organisation, roles=list(roles), by=by)
        return token_create(
            user=account, name=name, days=days, scope=scope, by=by, organisation=organisation
        )
