"""PostgreSQL only: indexes matching the search page's sort orders (nulls last, then id).

A btree scanned backwards gives DESC NULLS FIRST, so the plain ascending indexes cannot serve
"most followers first, unknown last"; without these the default page sorted the whole catalogue
(an on-disk merge sort at 100,000 profiles). No-op on SQLite.
"""

from django.db import migrations

INDEXES = {
    "discovery_profile_followers_desc": "discovery_profile (followers DESC NULLS LAST, id)",
    "scoring_score_er_desc": "scoring_profilescore (er DESC NULLS LAST)",
    "scoring_score_growth30_desc": "scoring_profilescore (growth_30d_pct DESC NULLS LAST)",
    "scoring_score_quality_desc": "scoring_profilescore (quality DESC NULLS LAST)",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, target in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {target}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0005_profile_search_document"),
        ("scoring", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
