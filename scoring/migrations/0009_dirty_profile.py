"""The dirty set becomes a table (``DirtyProfile``); the profiles flagged ``score_dirty`` move into it.

discovery 0016 then drops the flag and its partial index.
"""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.db import migrations, models


def flags_to_rows(apps, schema_editor):
    profile = apps.get_model("discovery", "Profile")._meta.db_table
    dirty = apps.get_model("scoring", "DirtyProfile")._meta.db_table
    schema_editor.execute(
        f"INSERT INTO {dirty} (profile_id, marked_at) SELECT id, CURRENT_TIMESTAMP FROM {profile} WHERE score_dirty"
    )


def rows_to_flags(apps, schema_editor):
    profile = apps.get_model("discovery", "Profile")._meta.db_table
    dirty = apps.get_model("scoring", "DirtyProfile")._meta.db_table
    schema_editor.execute(
        f"UPDATE {profile} SET score_dirty = EXISTS (SELECT 1 FROM {dirty} d WHERE d.profile_id = {profile}.id)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0015_profile_search_names"),
        ("scoring", "0008_run_score_stage_unlogged"),
    ]

    operations = [
        migrations.CreateModel(
            name="DirtyProfile",
            fields=[
                (
                    "profile",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="dirty_mark",
                        serialize=False,
                        to="discovery.profile",
                    ),
                ),
                ("marked_at", models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
            ],
        ),
        migrations.RunPython(flags_to_rows, rows_to_flags, elidable=False),
    ]
