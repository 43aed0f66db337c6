from django.db import migrations


def forget_decide_proposal(apps, schema_editor):
    """Nothing ever checked the grant: deciding is worked out from memberships and
    delegations. Deleting the permission deletes every grant of it with it."""
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="requests", codename="decide_proposal"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("requests", "0003_pending_decision_indexes"),
        # The generic grant tables reference the permission too: they must be known here for
        # the delete to reach them.
        ("guardian", "0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="proposal",
            options={
                "ordering": ["-last_activity_at"],
                "permissions": [("comment_proposal", "Can comment on and endorse a proposal")],
            },
        ),
        migrations.RunPython(forget_decide_proposal, migrations.RunPython.noop),
    ]
