"""PostgreSQL only: cheapest-first (price, CPE) walks that test a follower band on the index entry.

With ``discovery.selectors._with_score_followers_bounds`` the band is also stated on
``scoring_profilescore.profile_followers`` (migration 0008); included here, a walk of the price or
CPE order skips out-of-band accounts without reading their rows. No-op on SQLite.
"""

from django.db import migrations

INDEXES = {
    "scoring_score_price_cover": "scoring_profilescore (price, profile_id) INCLUDE (profile_followers)",
    "scoring_score_cpe_cover": "scoring_profilescore (cpe, profile_id) INCLUDE (profile_followers)",
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
    dependencies = [("discovery", "0009_score_quality_covering_index")]

    operations = [migrations.RunPython(forwards, backwards)]
