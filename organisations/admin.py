from allauth.socialaccount.models import SocialApp, SocialToken
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import (
    IdentityProvider,
    Invitation,
    Membership,
    Organisation,
    SignInRefusal,
    SteeringGroupMember,
    User,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = [
        "user",
        "is_member",
        "is_approver",
        "is_signatory",
        "is_governance_officer",
        "is_org_admin",
    ]


class MembershipSyncMixin:
    """Admin edits of memberships keep the per-organisation role groups in step."""

    def save_formset(self, request, form, formset, change):
        previous = []
        if formset.model is Membership:
            # Who held each membership before the edit: a membership handed to someone else
            # must take the groups (and so the access) away from its previous holder.
            previous = list(
                Membership.objects.filter(
                    pk__in=[f.instance.pk for f in formset.forms if f.instance.pk]
                ).select_related("user", "organisation")
            )
        super().save_formset(request, form, formset, change)
        if formset.model is Membership:
            for old in previous:
                if not Membership.objects.filter(
                    user=old.user, organisation=old.organisation
                ).exists():
                    services.sync_role_groups(
                        user=old.user, organisation=old.organisation, roles=[], member=False
                    )
            for membership in Membership.objects.filter(
                pk__in=[f.instance.pk for f in formset.forms if f.instance.pk]
            ):
                services.membership_grant(
                    user=membership.user,
                    organisation=membership.organisation,
                    roles=membership.roles,
                    by=request.user,
                )
            for obj in formset.deleted_objects:
                services.sync_role_groups(
                    user=obj.user, organisation=obj.organisation, roles=[], member=False
                )


@admin.register(User)
class UserAdmin(MembershipSyncMixin, SimpleHistoryAdmin, BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "job_title", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Person"), {"fields": ["full_name", "job_title"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "full_name", "job_title", "password1", "password2"],
            },
        ),
    ]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = []


@admin.register(Organisation)
class OrganisationAdmin(MembershipSyncMixin, SimpleHistoryAdmin):
    list_display = ["name", "short_name", "sector", "ico_registration_number", "is_active"]
    list_filter = ["sector", "is_active", "dspt_status"]
    search_fields = ["name", "short_name", "ico_registration_number", "ods_code"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    list_display = [
        "email",
        "organisation",
        "created_at",
        "expires_at",
        "accepted_at",
        "cancelled_at",
    ]
    list_filter = ["organisation"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "accepted_at", "accepted_by", "invited_by", "created_at"]

    def has_add_permission(self, request):
        # Invitations carry a one-time token that only the invite page can e-mail.
        return False


@admin.register(SteeringGroupMember)
class SteeringGroupMemberAdmin(SimpleHistoryAdmin):
    list_display = ["user", "organisation", "is_chair", "joined_on"]
    autocomplete_fields = ["user", "organisation"]


class IdentityProviderForm(forms.ModelForm):
    class Meta:
        model = IdentityProvider
        fields = [
            "organisation",
            "issuer",
            "client_id",
            "client_secret",
            "email_domains",
            "tenant_id",
            "is_active",
        ]
        widgets = {"client_secret": forms.PasswordInput(render_value=True)}

    def clean_email_domains(self):
        """Each domain has one provider: home realm discovery must know where to go."""
        value = self.cleaned_data["email_domains"]
        domains = {d.strip().lower().lstrip("@") for d in value.split(",") if d.strip()}
        if not domains:
            raise forms.ValidationError(_("Enter at least one e-mail domain"))
        others = IdentityProvider.objects.exclude(pk=self.instance.pk)
        for other in others.select_related("organisation"):
            taken = domains & set(other.domains)
            if taken:
                raise forms.ValidationError(
                    _("%(domains)s already signs in with %(org)s's provider")
                    % {"domains": ", ".join(sorted(taken)), "org": other.organisation}
                )
        return ", ".join(sorted(domains))


@admin.register(IdentityProvider)
class IdentityProviderAdmin(SimpleHistoryAdmin):
    form = IdentityProviderForm
    list_display = ["organisation", "issuer", "email_domains", "is_active"]
    autocomplete_fields = ["organisation"]


@admin.register(SignInRefusal)
class SignInRefusalAdmin(admin.ModelAdmin):
    list_display = ["created_at", "reason", "email", "identity_provider"]
    list_filter = ["reason"]
    readonly_fields = ["created_at", "identity_provider", "email", "reason", "detail"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Identity providers are configured per organisation above, never as allauth apps.
for model in (SocialApp, SocialToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def _sign_in_first(request, extra_context=None):
    """Django admin's sign-in is the portal's: the same second step, no way round it."""
    if request.user.is_authenticated:  # signed in, not a portal administrator
        raise PermissionDenied
    next_url = request.GET.get("next") or reverse("admin:index")
    return redirect_to_login(next_url, reverse("accounts:sign-in"))


admin.site.login = _sign_in_first
