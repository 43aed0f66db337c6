"""Who may do what to an organisation. Outsiders never learn an organisation's details: 404."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Membership, Organisation


def membership_for(*, user, organisation: Organisation) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organisation=organisation).first()


def require_member(*, user, organisation: Organisation) -> Membership | None:
    """Members (any role) and portal staff see an organisation; everyone else gets 404."""
    membership = membership_for(user=user, organisation=organisation)
    if membership is None and not user.is_staff:
        raise Http404
    return membership


def require_org_admin(*, user, organisation: Organisation) -> Membership | None:
    """Organisation admins manage it; other members get 403, outsiders 404."""
    membership = require_member(user=user, organisation=organisation)
    if membership is not None and membership.is_org_admin:
        return membership
    if membership is None and user.is_staff:
        return None
    raise PermissionDenied
