"""Drop the scores table's single-column indexes on er, quality, price, cpe and growth_30d_pct.

On PostgreSQL each has a twin the search added and uses (discovery 0006-0011): ``er DESC NULLS
LAST``, ``growth_30d_pct DESC NULLS LAST``, ``(quality DESC NULLS LAST, profile_id) INCLUDE (...)``,
``(price, profile_id) INCLUDE (...)``, ``(cpe, profile_id) INCLUDE (...)``, each serving the same
filters and sorts; in the search benchmark's database these five had 0-2 scans against 70-300 for the
twins. Every score written paid for them: a full rescore inserts 100,000 rows into 15 indexes, and
index upkeep is most of its publish (bench/bench_scoring.py). SQLite (local mode) has no twins, so
the indexes stay there: the state drops them everywhere, the database only on PostgreSQL.
"""

from django.db import migrations

DROPPED = {
    "scoring_score_er": "(er)",
    "scoring_score_quality": "(quality)",
    "scoring_score_price": "(price)",
    "scoring_score_cpe": "(cpe)",
    "scoring_score_growth30": "(growth_30d_pct)",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in DROPPED:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, columns in DROPPED.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON scoring_profilescore {columns}")


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0011_score_followers_trigger_when_null"),
        ("discovery", "0011_score_followers_covering_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="profilescore", name=name) for name in DROPPED
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        )
    ]
