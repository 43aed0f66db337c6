"""The outbox leaves the notifications app, keeping its rows.

The table was created by notifications' migrations; this one takes the model over in Django's
state without touching the database, then renames the table to this app's name and adds the
status (rows already completed are done)."""

from django.db import migrations, models


def mark_completed_rows_done(apps, schema_editor):
    OutboxTask = apps.get_model("outbox", "OutboxTask")
    OutboxTask.objects.filter(completed_at__isnull=False).update(status="done")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("notifications", "0003_notification"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="OutboxTask",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("task_name", models.CharField(max_length=200)),
                        ("kwargs", models.JSONField(default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("dispatched_at", models.DateTimeField(blank=True, null=True)),
                        ("dispatch_attempts", models.PositiveIntegerField(default=0)),
                        ("completed_at", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.TextField(blank=True)),
                    ],
                    options={
                        "ordering": ["created_at"],
                        "db_table": "notifications_outboxtask",
                        "indexes": [
                            models.Index(
                                condition=models.Q(("completed_at__isnull", True)),
                                fields=["created_at"],
                                name="outbox_pending_idx",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="outboxtask", table=None),
        migrations.AddField(
            model_name="outboxtask",
            name="status",
            field=models.CharField(
                choices=[("pending", "Pending"), ("done", "Done"), ("dead", "Dead")],
                default="pending",
                max_length=10,
            ),
        ),
        migrations.RunPython(mark_completed_rows_done, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="outboxtask", name="outbox_pending_idx"),
        migrations.AddIndex(
            model_name="outboxtask",
            index=models.Index(
                condition=models.Q(("status", "pending")),
                fields=["created_at"],
                name="outbox_pending_idx",
            ),
        ),
    ]
