"""PostgreSQL only: drop the plain ``profile_id`` indexes of the snapshot and post tables.

Django made them for the foreign keys (``db_index``), but each table's unique index leads with
``profile_id`` (``(profile_id, captured_on)``, ``(profile_id, external_id)``; posts also have
``(profile_id, posted_at DESC)``), so every lookup, join and foreign-key check by account is served
the same way; in the benchmark databases of this machine (search, scoring, overview) the plain ones
had 0 scans. Every imported snapshot and post paid one index insert for them: the 100k snapshot
import's COPY into the table took 18.3 s without against 22.3 s with it (issue 4).

The model state keeps ``db_index`` (the fields' ``db_index=False`` belongs with the models; a later
``AlterField`` finds no index to drop and does nothing). No-op on SQLite (local mode).
"""

from django.db import migrations

DROPPED = {
    "discovery_followersnapshot_profile_id_1dcec1e7": "discovery_followersnapshot",
    "discovery_post_profile_id_35146637": "discovery_post",
}


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in DROPPED:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, table in DROPPED.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} (profile_id)")


class Migration(migrations.Migration):
    dependencies = [("discovery", "0016_drop_score_dirty")]

    operations = [migrations.RunPython(forwards, backwards)]
