"""Who may see an agreement's content and PDFs: members of its parties and the steering
group (guardian grants to their groups). Everyone signed in sees the register's summaries.
Anyone else gets 404 for the agreement's pages."""

from django.http import Http404
from guardian.core import ObjectPermissionChecker

from .models import Agreement, AgreementGroupObjectPermission

VIEW = "view_agreement"


def can_view(request, agreement) -> bool:
    user = request.user
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        # Superusers see what their organisations are party to, like everyone else.
        return AgreementGroupObjectPermission.objects.filter(
            content_object=agreement, permission__codename=VIEW, group__user=user
        ).exists()
    checker = getattr(request, "_isf_agreement_checker", None)
    if checker is None:
        checker = request._isf_agreement_checker = ObjectPermissionChecker(user)
    return checker.has_perm(VIEW, agreement)


def agreement_for(request, reference: str) -> Agreement:
    agreement = Agreement.objects.filter(reference=reference).first()
    if agreement is None or not can_view(request, agreement):
        raise Http404
    return agreement
