"""PostgreSQL only: drop ``scoring_score_quality_desc`` (0006), superseded by ``scoring_score_quality_cover``.

The covering index of 0009 has the same leading key (quality DESC NULLS LAST), so it serves every
plan the plain one did; one index fewer to maintain on each score write. No-op on SQLite.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS scoring_score_quality_desc")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS scoring_score_quality_desc ON scoring_profilescore"
            " (quality DESC NULLS LAST)"
        )


class Migration(migrations.Migration):
    dependencies = [("discovery", "0013_importjob_start_requested_at")]

    operations = [migrations.RunPython(forwards, backwards)]
