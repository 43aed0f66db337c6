"""Organisation pages: details, members, invitations and the change history."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from isf_portal.domain import DomainError

from . import selectors, services
from .forms import DelegationForm, InvitationForm, MembershipRolesForm, OrganisationDetailsForm
from .models import Delegation, Invitation, Membership
from .permissions import Action, may, memberships, organisation_by_slug


@login_required
def organisation_list(request):
    return render(
        request,
        "organisations/list.html",
        {"memberships": selectors.memberships_of(user=request.user)},
    )


@login_required
def organisation_detail(request, slug):
    organisation = organisation_by_slug(request, slug)
    membership = memberships(request).get(organisation.pk)
    can_manage = may(request, Action.MANAGE, organisation)
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "membership": membership,
            "can_manage": can_manage,
            "can_delegate": may(request, Action.DELEGATE, organisation),
            "members": selectors.organisation_members(organisation=organisation),
            "invitations": selectors.open_invitations(organisation=organisation)
            if can_manage
            else [],
            "timeline": selectors.organisation_timeline(
                organisation=organisation, with_invitations=can_manage
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, slug):
    organisation = organisation_by_slug(request, slug, Action.MANAGE)
    form = OrganisationDetailsForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        services.organisation_update(
            organisation=organisation, by=request.user, data=form.cleaned_data
        )
        messages.success(request, _("Organisation details updated"))
        return redirect("organisations:detail", slug=organisation.slug)
    if request.method == "POST":
        # The form's instance took the bad values; show the saved ones in headings.
        organisation.refresh_from_db()
    return render(request, "organisations/edit.html", {"organisation": organisation, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def invitation_new(request, slug):
    organisation = organisation_by_slug(request, slug, Action.MANAGE)
    form = InvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invitation_create(
                organisation=organisation,
                email=form.cleaned_data["email"],
                roles=form.cleaned_data["roles"],
                by=request.user,
            )
        except DomainError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request, _("Invitation sent to %(email)s") % {"email": invitation.email}
            )
            return redirect("organisations:detail", slug=organisation.slug)
    return render(
        request,
        "organisations/invite.html",
        {
            "organisation": organisation,
            "form": form,
            "invitation_ttl_days": settings.INVITATION_TTL_DAYS,
        },
    )


@login_required
@require_http_methods(["POST"])
def invitation_cancel(request, slug, pk):
    organisation = organisation_by_slug(request, slug, Action.MANAGE)
    invitation = get_object_or_404(Invitation, pk=pk, organisation=organisation)
    try:
        services.invitation_cancel(invitation=invitation, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Invitation to %(email)s cancelled") % {"email": invitation.email}
        )
    return redirect("organisations:detail", slug=organisation.slug)


def _member_of(request, slug, pk):
    organisation = organisation_by_slug(request, slug, Action.MANAGE)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=pk, organisation=organisation
    )
    return organisation, membership


@login_required
@require_http_methods(["GET", "POST"])
def membership_roles(request, slug, pk):
    organisation, membership = _member_of(request, slug, pk)
    form = MembershipRolesForm(
        request.POST or None, initial={"roles": [r.value for r in membership.roles]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_set_roles(
                membership=membership, roles=form.cleaned_data["roles"], by=request.user
            )
        except DomainError as error:
            form.add_error("roles", str(error))
        else:
            messages.success(
                request,
                _("Roles updated for %(name)s") % {"name": membership.user.full_name},
            )
            return redirect("organisations:detail", slug=organisation.slug)
    return render(
        request,
        "organisations/member_roles.html",
        {"organisation": organisation, "membership": membership, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def membership_remove(request, slug, pk):
    organisation, membership = _member_of(request, slug, pk)
    error = None
    if request.method == "POST":
        try:
            services.membership_remove(membership=membership, by=request.user)
        except DomainError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                _("%(name)s has been removed from %(org)s")
                % {"name": membership.user.full_name, "org": organisation.name},
            )
            if membership.user_id == request.user.pk and not request.user.is_staff:
                return redirect("home")
            return redirect("organisations:detail", slug=organisation.slug)
    return render(
        request,
        "organisations/member_remove.html",
        {"organisation": organisation, "membership": membership, "error": error},
    )


@login_required
def steering_group(request):
    return render(
        request,
        "organisations/steering_group.html",
        {"members": selectors.steering_group_members()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def delegations(request, slug):
    """An approver's delegations: who may decide for them, and when."""
    organisation = organisation_by_slug(request, slug, Action.DELEGATE)
    form = DelegationForm(request.POST or None, organisation=organisation, approver=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            delegation = services.delegation_create(
                organisation=organisation,
                approver=request.user,
                delegate=form.cleaned_data["delegate"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(name)s can decide for you from %(start)s to %(end)s")
                % {
                    "name": delegation.delegate.full_name,
                    "start": date_format(delegation.starts_on, "j F Y"),
                    "end": date_format(delegation.ends_on, "j F Y"),
                },
            )
            return redirect("organisations:delegations", slug=organisation.slug)
    return render(
        request,
        "organisations/delegations.html",
        {
            "organisation": organisation,
            "form": form,
            "delegations": Delegation.objects.filter(
                organisation=organisation, approver=request.user
            ).select_related("delegate"),
        },
    )


@login_required
@require_http_methods(["POST"])
def delegation_revoke(request, slug, pk):
    organisation = organisation_by_slug(request, slug)
    delegation = get_object_or_404(
        Delegation, pk=pk, organisation=organisation, approver=request.user
    )
    try:
        services.delegation_revoke(delegation=delegation, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The delegation has ended"))
    return redirect("organisations:delegations", slug=organisation.slug)
