from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from isf_portal.domain import DomainError

from .models import OutboxTask
from .services import outbox_retry


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    """Read-only, for watching the outbox; dead rows can be handed back to it."""

    list_display = [
        "task_name",
        "status",
        "created_at",
        "dispatched_at",
        "dispatch_attempts",
        "completed_at",
        "last_error",
    ]
    list_filter = ["status", "task_name"]
    search_fields = ["task_name", "last_error"]
    readonly_fields = [f.name for f in OutboxTask._meta.fields]
    actions = ["retry_dead"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Retry the selected dead tasks"), permissions=["change"])
    def retry_dead(self, request, queryset):
        retried = 0
        for row in queryset.filter(status=OutboxTask.Status.DEAD):
            try:
                outbox_retry(outbox_task=row, by=request.user)
            except DomainError:  # retried by someone else meanwhile
                continue
            # The admin's own log is the audit trail of outbox rows (they keep no history).
            self.log_change(request, row, "isf.outbox.retried")
            retried += 1
        self.message_user(
            request,
            ngettext(
                "%(n)d dead task handed back to the outbox.",
                "%(n)d dead tasks handed back to the outbox.",
                retried,
            )
            % {"n": retried},
            messages.SUCCESS if retried else messages.WARNING,
        )
