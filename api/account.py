"""API tokens on the account area: a person's own tokens, and an organisation admin's
service tokens for their organisation. A new token's secret is shown once, on the page
that follows its creation, and never again."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from isf_portal.forms import GovukForm
from organisations import permissions as org_permissions
from organisations.models import Role

from . import webhook_views
from .models import ApiToken, TokenScope
from .tokens import MAX_DAYS, SERVICE_ROLES, service_token_create, token_create, token_revoke

# Tokens and webhooks of an organisation are its admins' (the organisations' MANAGE row).
MANAGE = org_permissions.Action.MANAGE


class TokenForm(GovukForm):
    messages = {
        "name": (_("Enter a name for the token"), _("The name")),
        "days": (_("Enter how many days the token lasts"), None),
        "scope": (_("Select what the token may do"), None),
    }
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Say what uses it, for example 'Information asset register'."),
    )
    days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=MAX_DAYS,
        initial=90,
        help_text=_("At most %(days)s days.") % {"days": MAX_DAYS},
    )
    scope = forms.ChoiceField(
        label=_("What may it do?"), choices=TokenScope.choices, widget=forms.RadioSelect
    )


class ServiceTokenForm(TokenForm):
    roles = forms.MultipleChoiceField(
        label=_("The service account's roles"),
        choices=[(r, Role(r).label) for r in SERVICE_ROLES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Deciding, signing and voting are for people: never a service account."),
        error_messages={"required": _("Select at least one role")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    """The person's own tokens, with last use; a form to make another."""
    form = TokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        # The secret is in this response only (not stored, not in a session or a redirect).
        _token, new_token = token_create(user=request.user, by=request.user, **form.cleaned_data)
        form = TokenForm()
    admin_of = [
        org
        for org in org_permissions.memberships(request).values()
        if org_permissions.may(request, org_permissions.Action.MANAGE, org.organisation)
    ]
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": ApiToken.objects.filter(user=request.user, organisation__isnull=True),
            "new_token": new_token,
            "admin_of": [m.organisation for m in admin_of],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_tokens(request, slug):
    """An organisation admin's service tokens for their organisation."""
    organisation = org_permissions.organisation_by_slug(
        request, slug, org_permissions.Action.MANAGE
    )
    form = ServiceTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        _token, new_token = service_token_create(
            organisation=organisation, by=request.user, **form.cleaned_data
        )
        form = ServiceTokenForm()
    return render(
        request,
        "api/service_tokens.html",
        {
            "form": form,
            "organisation": organisation,
            "tokens": ApiToken.objects.filter(organisation=organisation).select_related("user"),
            "new_token": new_token,
        },
    )


@login_required
@require_POST
def revoke(request, pk):
    """Revoke one's own token, or (an organisation admin) one of its service tokens."""
    token = get_object_or_404(ApiToken, pk=pk)
    if token.organisation_id is not None:
        org_permissions.organisation_for(request, token.organisation, MANAGE)
        token_revoke(token=token, by=request.user)
        return redirect("api-tokens:service", slug=token.organisation.slug)
    if token.user_id != request.user.pk:
        raise Http404
    token_revoke(token=token, by=request.user)
    return redirect("api-tokens:list")


app_name = "api-tokens"
urlpatterns = [
    *webhook_views.urlpatterns,
    path("", tokens, name="list"),
    path("<int:pk>/revoke/", revoke, name="revoke"),
    path("organisations/<slug:slug>/", service_tokens, name="service"),
]
