from collections import defaultdict

from django.db import migrations, models

from sharing_requests.workdays import working_days_from


def fill(apps, schema_editor):
    """The working days from each agreement's preparation to every signature given before
    this, as signature_record keeps them from now on: one UPDATE per value and few hundred
    rows."""
    Signature = apps.get_model("agreements", "Signature")
    by_value = defaultdict(list)
    rows = Signature.objects.values_list("pk", "agreement__created_at", "signed_at")
    for pk, prepared, signed in rows.iterator():
        by_value[working_days_from(prepared, signed)].append(pk)
    for value, pks in by_value.items():
        for start in range(0, len(pks), 500):
            Signature.objects.filter(pk__in=pks[start : start + 500]).update(days_to_sign=value)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0009_signature_method"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalsignature",
            name="days_to_sign",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="signature",
            name="days_to_sign",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
