"""OutboxTask now belongs to the outbox app, whose first migration took over its table (and
renamed it): here it only leaves notifications' state; the database is not touched."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_notification"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="OutboxTask")],
            database_operations=[],
        ),
    ]
