"""Who may see and do what with a proposal.

Permissions are django-guardian object permissions held by groups (organisations/services.py):
everyone at the lead and participating organisations may view, the lead's members edit, and
members of every party comment. The steering group views from submission on. Anyone else
gets 404, whatever the URL.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from guardian.core import ObjectPermissionChecker

from organisations.models import Membership

from .models import Proposal, ProposalGroupObjectPermission

VIEW = "requests.view_proposal"
CHANGE = "requests.change_proposal"
COMMENT = "requests.comment_proposal"


def checker(request_or_user) -> ObjectPermissionChecker:
    """One permission cache per request."""
    user = getattr(request_or_user, "user", request_or_user)
    cache_owner = request_or_user if hasattr(request_or_user, "user") else None
    if cache_owner is not None:
        existing = getattr(cache_owner, "_isf_perm_checker", None)
        if existing is None:
            existing = cache_owner._isf_perm_checker = ObjectPermissionChecker(user)
        return existing
    return ObjectPermissionChecker(user)


def _has(request, perm: str, proposal: Proposal) -> bool:
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return False
    codename = perm.split(".", 1)[1]
    if user.is_superuser:
        # Guardian grants superusers everything; the portal's rule is that nobody outside the
        # parties (and the steering group once submitted) sees a proposal, administrators too.
        return ProposalGroupObjectPermission.objects.filter(
            content_object=proposal, permission__codename=codename, group__user=user
        ).exists()
    return checker(request).has_perm(codename, proposal)


def can_view(request, proposal) -> bool:
    return _has(request, VIEW, proposal)


def can_change(request, proposal) -> bool:
    return _has(request, CHANGE, proposal)


def can_edit(request, proposal) -> bool:
    """May change it now: lead-organisation member and the proposal is open for editing."""
    return proposal.is_editable and can_change(request, proposal)


def can_comment(request, proposal) -> bool:
    return _has(request, COMMENT, proposal)


def proposal_for(request, reference: str, *, queryset=None) -> Proposal:
    """The proposal at this reference if the user may see it; 404 otherwise."""
    queryset = queryset if queryset is not None else Proposal.objects.all()
    proposal = queryset.select_related("lead_organisation").filter(reference=reference).first()
    if proposal is None or not can_view(request, proposal):
        raise Http404
    return proposal


def require_edit(request, proposal) -> None:
    """Visible but not editable by this user: 403 (outsiders got 404 already)."""
    if not can_change(request, proposal):
        raise PermissionDenied


def comment_organisations(request, proposal):
    """The organisations this user may comment or endorse for on this proposal."""
    if not can_comment(request, proposal):
        return []
    party_ids = proposal.participants.values_list("organisation_id", flat=True)
    return [
        m.organisation
        for m in Membership.objects.filter(
            user=request.user, is_member=True, organisation_id__in=party_ids
        ).select_related("organisation")
    ]
