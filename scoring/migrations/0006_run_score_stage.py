"""PostgreSQL only: the table a full rescore stages its score rows in until the run publishes them.

A full run used to upsert each chunk into ``scoring_profilescore`` with the quartiles frozen at its
start, then re-rate every row against the fresh quartiles at the end: a second write of every wide
score row and its 15 indexes (~20 s per 100,000 profiles, bench/bench_scoring.py). Chunks now COPY
their rows here (no index, no trigger), in the transaction that takes them off the run's queue, and
the run's last chain publishes them in one INSERT ... ON CONFLICT with tier-relative ER and rating
from the catalogue's quartiles after the run, so each score row is written once.

Same columns as ``scoring_profilescore`` (``LIKE``) plus ``run_id`` and ``platform``; a migration
that adds a ProfileScore field adds it here too (tests/scoring/test_services.py checks the columns).
No-op on SQLite, where a full run writes chunks straight to the scores table and re-rates at the end.
"""

from django.db import migrations

TABLE = "scoring_runscorestage"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE TABLE IF NOT EXISTS {TABLE} (LIKE scoring_profilescore INCLUDING DEFAULTS, "
        "run_id bigint NOT NULL, platform varchar(16) NOT NULL DEFAULT '')"
    )
    # profile_followers (discovery 0008) is database-managed on the scores table; never staged.
    schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS profile_followers")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("scoring", "0005_run_queue")]

    operations = [migrations.RunPython(forward, backward)]
