"""Hash-chain the proposals' timelines (isf_portal/audit_chain.py): the new fields, then the
existing events chained in the order they happened, then the one-place-per-sequence rule."""

import django.utils.timezone
from django.db import migrations, models

from isf_portal import audit_chain


def chain_existing(apps, schema_editor):
    audit_chain.backfill(
        apps.get_model("requests", "ProposalEvent"),
        apps.get_model("requests", "Proposal"),
        parent_field="proposal",
        domain=audit_chain.PROPOSAL,
    )


class Migration(migrations.Migration):
    dependencies = [("requests", "0004_remove_decide_proposal_permission")]

    operations = [
        migrations.AddField(
            model_name="proposal",
            name="events_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="proposal",
            name="events_head",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="proposalevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="proposalevent",
            name="previous_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="proposalevent",
            name="sequence",
            field=models.PositiveIntegerField(default=0, editable=False),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="proposalevent",
            name="created_at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="proposalevent",
            constraint=models.UniqueConstraint(
                fields=("proposal", "sequence"), name="proposal_event_sequence_unique"
            ),
        ),
    ]
