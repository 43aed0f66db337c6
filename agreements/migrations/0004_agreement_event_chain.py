"""Hash-chain the agreements' timelines (isf_portal/audit_chain.py): the new fields, then the
existing events chained in the order they happened, then the one-place-per-sequence rule."""

import django.utils.timezone
from django.db import migrations, models

from isf_portal import audit_chain


def chain_existing(apps, schema_editor):
    audit_chain.backfill(
        apps.get_model("agreements", "AgreementEvent"),
        apps.get_model("agreements", "Agreement"),
        parent_field="agreement",
        domain=audit_chain.AGREEMENT,
    )


class Migration(migrations.Migration):
    dependencies = [("agreements", "0003_register_search_indexes")]

    operations = [
        migrations.AddField(
            model_name="agreement",
            name="events_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="agreement",
            name="events_head",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="agreementevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="agreementevent",
            name="previous_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="agreementevent",
            name="sequence",
            field=models.PositiveIntegerField(default=0, editable=False),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="agreementevent",
            name="created_at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="agreementevent",
            constraint=models.UniqueConstraint(
                fields=("agreement", "sequence"), name="agreement_event_sequence_unique"
            ),
        ),
    ]
