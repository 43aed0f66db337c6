"""The outbox of background work.

Work that must not be lost is first written as a row in the same transaction as the change
that caused it, then handed to the broker after commit. If the broker is down or hung the row
waits, and a periodic task hands it over again once the broker is back.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxTask(models.Model):
    class Status(models.TextChoices):
        # Moves: pending -> done (the task ran), pending -> dead (it failed too often),
        # dead -> pending (retried from the admin), dead -> done (a late run finished it).
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        DEAD = "dead", _("Dead")

    # The Celery name of the task (its registry key), taken from the task object at enqueue.
    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    dispatch_attempts = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="outbox_pending_idx",
            )
        ]

    def __str__(self):
        return f"{self.task_name} #{self.pk}"
