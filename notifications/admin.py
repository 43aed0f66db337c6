from django.contrib import admin

from .models import Email, OutboxTask


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "created_at", "sent_at", "attempts"]
    list_filter = ["sent_at"]
    search_fields = ["to", "subject"]
    readonly_fields = [f.name for f in Email._meta.fields]


@admin.register(OutboxTask)
class OutboxTaskAdmin(admin.ModelAdmin):
    list_display = ["task_name", "created_at", "dispatched_at", "dispatch_attempts", "completed_at"]
    list_filter = ["task_name", "completed_at"]
    readonly_fields = [f.name for f in OutboxTask._meta.fields]
