"""Django admin for portal administrators: the clause library (versioned), and read-mostly
views of agreements and sealing certificates. Agreements change only through the workflow,
so that every change is guarded and audited; the admin shows them and their history."""

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from isf_portal.domain import audit

from .models import (
    Agreement,
    AgreementEvent,
    AgreementParty,
    AgreementReview,
    ClauseTemplate,
    SealingCertificate,
    Signature,
)

# A change to these changes what a new agreement says: the clause gets a new version.
VERSIONED_FIELDS = {"title", "body", "notice_days"}


@admin.register(ClauseTemplate)
class ClauseTemplateAdmin(SimpleHistoryAdmin):
    list_display = ["title", "key", "version", "order", "updated_at"]
    search_fields = ["key", "title", "body"]
    readonly_fields = ["version", "updated_at"]
    fields = ["key", "title", "body", "order", "version", "updated_at"]
    ordering = ["order", "key"]

    def get_fields(self, request, obj=None):
        # The notice period of an agreed termination belongs to the termination clause only.
        if obj is not None and obj.key == "termination":
            return ["key", "title", "body", "notice_days", "order", "version", "updated_at"]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        # Agreements name clauses by key: a key in use never changes.
        if obj is not None:
            return [*self.readonly_fields, "key"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        """Every change to a clause's title or wording raises its version (under a row lock,
        so two administrators saving at once get two versions, not one)."""
        with transaction.atomic():
            if change:
                current = ClauseTemplate.objects.select_for_update().get(pk=obj.pk)
                if VERSIONED_FIELDS & set(form.changed_data):
                    obj.version = current.version + 1
                    reason = "isf.clause.new_version"
                else:
                    obj.version = current.version
                    reason = "isf.clause.changed"
            else:
                obj.version = 1
                reason = "isf.clause.created"
            audit(obj, reason=reason, by=request.user)
            super().save_model(request, obj, form, change)


class ViewOnlyAdmin:
    """For records that change only through the workflow (guarded and audited there)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PartyInline(ReadOnlyInline):
    model = AgreementParty
    fields = ["name", "organisation", "role", "controller_role", "is_lead", "required_signatures"]
    readonly_fields = fields


class SignatureInline(ReadOnlyInline):
    model = Signature
    fields = ["party", "capacity", "name", "job_title", "signed_at", "pdf_sha256"]
    readonly_fields = fields


class ReviewInline(ReadOnlyInline):
    model = AgreementReview
    fk_name = "agreement"
    fields = [
        "opened_by",
        "opened_at",
        "outcome",
        "new_review_date",
        "end_date",
        "reason",
        "closed_by",
        "closed_at",
    ]
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = AgreementEvent
    fields = ["created_at", "kind", "description", "actor"]
    readonly_fields = fields


@admin.register(Agreement)
class AgreementAdmin(ViewOnlyAdmin, SimpleHistoryAdmin):
    """Read-only: agreements are made, signed, reviewed and ended through the portal."""

    list_display = [
        "reference",
        "title",
        "status",
        "is_external",
        "start_date",
        "review_date",
        "end_date",
    ]
    list_filter = ["status", "is_external", "has_special_category", "has_criminal_offence"]
    search_fields = ["reference", "title", "parties__name"]
    date_hierarchy = "created_at"
    inlines = [PartyInline, SignatureInline, ReviewInline, EventInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "reference",
                    "title",
                    "status",
                    "is_external",
                    "proposal",
                    "version",
                    "previous",
                ]
            },
        ),
        (_("Data"), {"fields": ["has_special_category", "has_criminal_offence"]}),
        (
            _("Dates"),
            {
                "fields": [
                    "start_date",
                    "end_date",
                    "review_date",
                    "created_at",
                    "activated_at",
                    "ended_at",
                    "end_reason",
                ]
            },
        ),
        (
            _("Documents"),
            {
                "fields": [
                    "draft_pdf",
                    "draft_sha256",
                    "signed_pdf",
                    "signed_sha256",
                    "sealing_certificate",
                ]
            },
        ),
    ]

    def get_fields(self, request, obj=None):
        # The notice period of an agreed termination belongs to the termination clause only.
        if obj is not None and obj.key == "termination":
            return ["key", "title", "body", "notice_days", "order", "version", "updated_at"]
        return self.fields

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("proposal", "version", "previous")


@admin.register(SealingCertificate)
class SealingCertificateAdmin(ViewOnlyAdmin, admin.ModelAdmin):
    """Kept for ever, so old seals still verify: never added or deleted by hand here."""

    list_display = [
        "subject",
        "fingerprint_sha256",
        "not_before",
        "not_after",
        "is_current",
        "generated_locally",
    ]
    list_filter = ["is_current", "generated_locally"]
    readonly_fields = [
        "subject",
        "certificate_pem",
        "fingerprint_sha256",
        "not_before",
        "not_after",
        "is_current",
        "generated_locally",
        "created_at",
    ]
