from collections import defaultdict

from django.db import migrations, models

from sharing_requests.workdays import working_days_from


def keep(model, field: str, rows) -> None:
    """Set `field` of each (pk, value) row: one UPDATE per value and few hundred rows."""
    by_value = defaultdict(list)
    for pk, value in rows:
        by_value[value].append(pk)
    for value, pks in by_value.items():
        for start in range(0, len(pks), 500):
            model.objects.filter(pk__in=pks[start : start + 500]).update(**{field: value})


def fill(apps, schema_editor):
    """The working days of every round closed and every decision made before this, from
    their moments, as the services keep them from now on."""
    ReviewRound = apps.get_model("requests", "ReviewRound")
    OrganisationDecision = apps.get_model("requests", "OrganisationDecision")
    rounds = ReviewRound.objects.filter(closed_at__isnull=False)
    keep(
        ReviewRound,
        "days_open",
        (
            (pk, working_days_from(opened, closed))
            for pk, opened, closed in rounds.values_list("pk", "opened_at", "closed_at").iterator()
        ),
    )
    decisions = OrganisationDecision.objects.filter(decided_at__isnull=False)
    keep(
        OrganisationDecision,
        "days_to_decide",
        (
            (pk, working_days_from(opened, decided))
            for pk, opened, decided in decisions.values_list(
                "pk", "round__opened_at", "decided_at"
            ).iterator()
        ),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("requests", "0007_outcome_baseline"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalorganisationdecision",
            name="days_to_decide",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="historicalreviewround",
            name="days_open",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="organisationdecision",
            name="days_to_decide",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="reviewround",
            name="days_open",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddIndex(
            model_name="dataitem",
            index=models.Index(fields=["category", "proposal"], name="dataitem_category"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
