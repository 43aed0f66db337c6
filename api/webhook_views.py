"""An organisation admin's webhooks: subscribe an HTTPS endpoint to events, see each
delivery with its attempts, re-send one, resume a paused endpoint."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from isf_portal.domain import DomainError
from isf_portal.forms import GovukForm
from organisations import permissions as org_permissions

from .models import WebhookDelivery, WebhookEndpoint
from .webhook_delivery import AddressRefused
from .webhooks import EVENTS, delivery_resend, endpoint_create, endpoint_resume

# Tokens and webhooks of an organisation are its admins' (the organisations' MANAGE row).
MANAGE = org_permissions.Action.MANAGE


class EndpointForm(GovukForm):
    messages = {"url": (_("Enter the endpoint's address"), _("The address"))}
    url = forms.URLField(
        label=_("Endpoint address"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https:// address on the internet, with a certificate browsers trust."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events to send"),
        choices=[(e, e) for e in EVENTS],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one event")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request, slug):
    organisation = org_permissions.organisation_by_slug(
        request, slug, org_permissions.Action.MANAGE
    )
    form = EndpointForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = endpoint_create(
                organisation=organisation, by=request.user, **form.cleaned_data
            )
        except AddressRefused as error:
            form.add_error("url", str(error))
        else:
            form = EndpointForm()
    deliveries = WebhookDelivery.objects.prefetch_related("attempts")
    endpoints = WebhookEndpoint.objects.filter(organisation=organisation).prefetch_related(
        Prefetch("deliveries", deliveries)
    )
    return render(
        request,
        "api/webhooks.html",
        {"organisation": organisation, "form": form, "endpoints": endpoints, "created": created},
    )


@login_required
@require_POST
def resend(request, slug, pk):
    organisation = org_permissions.organisation_by_slug(
        request, slug, org_permissions.Action.MANAGE
    )
    delivery = get_object_or_404(WebhookDelivery, pk=pk, endpoint__organisation=organisation)
    try:
        delivery_resend(delivery=delivery, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Delivery re-sent: its new attempts are listed below"))
    return redirect("api-tokens:webhooks", slug=organisation.slug)


@login_required
@require_POST
def resume(request, slug, pk):
    organisation = org_permissions.organisation_by_slug(
        request, slug, org_permissions.Action.MANAGE
    )
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk, organisation=organisation)
    endpoint_resume(endpoint=endpoint, by=request.user)
    messages.success(request, _("Endpoint resumed: new events are sent to it again"))
    return redirect("api-tokens:webhooks", slug=organisation.slug)


urlpatterns = [
    path("organisations/<slug:slug>/webhooks/", webhooks, name="webhooks"),
    path("organisations/<slug:slug>/webhooks/<int:pk>/resend/", resend, name="webhook-resend"),
    path("organisations/<slug:slug>/webhooks/<int:pk>/resume/", resume, name="webhook-resume"),
]
