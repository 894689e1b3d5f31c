"""PostgreSQL only: "best quality first" as an index-only walk that checks the usual score filters.

``ordering=-quality`` with a score filter (``tier_er_min``, ``er_min``, ``price_max``, ``tier``) walked
``scoring_score_quality_desc`` and fetched each score row to test the filter: 24,000 heap reads
(~180 ms) for two niches + tier-relative ER at 1,000,000 profiles. With the filter columns included
and the id tie-break in the key, the walk tests them on the index entries. No-op on SQLite.
"""

from django.db import migrations

INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS scoring_score_quality_cover ON scoring_profilescore"
    " (quality DESC NULLS LAST, profile_id) INCLUDE (tier, tier_relative_er, er, price)"
)


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX_SQL)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS scoring_score_quality_cover")


class Migration(migrations.Migration):
    dependencies = [("discovery", "0008_score_profile_followers")]

    operations = [migrations.RunPython(forwards, backwards)]
