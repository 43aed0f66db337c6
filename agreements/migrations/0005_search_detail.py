"""The register's search: each agreement's data items and legal gateways as one searchable
text (filled here for existing agreements, from the version each was generated from), and a
trigram index on it for PostgreSQL (nothing on SQLite); every trigram index of the search
without GIN's pending list. See agreements/search.py and isf_portal/search.py."""

from django.db import migrations, models

from agreements.search import detail_text
from isf_portal.search import trigram_indexes


def fill(apps, schema_editor):
    """The column is derived from the frozen version, so it is not audited history: a bulk
    write, in batches."""
    Agreement = apps.get_model("agreements", "Agreement")
    batch = []
    rows = Agreement.objects.filter(version__isnull=False).select_related("version")
    for agreement in rows.only("pk", "version__snapshot").iterator(chunk_size=500):
        agreement.search_detail = detail_text(agreement.version.snapshot or {})
        batch.append(agreement)
        if len(batch) == 500:
            Agreement.objects.bulk_update(batch, ["search_detail"])
            batch = []
    Agreement.objects.bulk_update(batch, ["search_detail"])


def keep_0003_indexes_current(apps, schema_editor):
    trigram_indexes(
        ("agreement_title_trgm", "agreements_agreement", "title"),
        ("agreement_reference_trgm", "agreements_agreement", "reference"),
        ("agreement_party_name_trgm", "agreements_agreementparty", "name"),
        ("agreement_party_short_name_trgm", "agreements_agreementparty", "short_name"),
    ).code(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("agreements", "0004_agreement_event_chain"),
    ]

    operations = [
        migrations.AddField(
            model_name="agreement",
            name="search_detail",
            field=models.TextField(blank=True, editable=False),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=True),
        trigram_indexes(
            ("agreement_search_detail_trgm", "agreements_agreement", "search_detail"),
        ),
        # 0003's indexes, without their pending list (isf_portal/search.py says why); undoing
        # this migration leaves them in place, as 0003 made them.
        migrations.RunPython(keep_0003_indexes_current, migrations.RunPython.noop),
    ]
