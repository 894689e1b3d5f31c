"""Tell PostgreSQL's planner how many accounts the snapshot and post tables hold: ``n_distinct`` of
``profile_id`` = -0.05 (one account per 20 rows, as a fraction, so it grows with the tables).

ANALYZE estimates distinct values from a 30,000-row sample. Each account's rows are scattered over the
table, so the sample sees most accounts once and the estimator concludes there are few of them: in the
1,000,000-profile scoring benchmark (20,997,505 posts, 19.5 M snapshots) it said 75,861 accounts for
posts and 142,653 for snapshots, 7-13x too few. A scoring chunk reads its 5,000 accounts' rows by
``profile_id = ANY(...)``; with ~140-280 rows expected per account the planner chose a parallel scan of
the whole snapshot table (1.5 s for 97,923 rows, warm) instead of the ``(profile_id, captured_on)``
index (0.1-0.17 s), and the same for posts (2.0 s against 0.12-0.5 s). At 100,000 profiles the estimate
was near the truth (67,640 and 94,770), which is why only the 1M runs paid for it.

20 rows per account is the catalogue's shape (DOMAIN: 12+ posts an account; snapshots over time); if a
catalogue holds more rows per account, the planner under-counts rows per account, which still favours
the index for reads by account, the only reads of these tables by ``profile_id``. Plain statistics are
unchanged otherwise; PostgreSQL only (SQLite has no such setting).
"""

from django.db import migrations

TABLES = ("discovery_post", "discovery_followersnapshot")
N_DISTINCT = -0.05


def _alter(schema_editor, option):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"ALTER TABLE {table} ALTER COLUMN profile_id {option}")
        schema_editor.execute(f"ANALYZE {table} (profile_id)")


def forwards(apps, schema_editor):
    _alter(schema_editor, f"SET (n_distinct = {N_DISTINCT})")


def backwards(apps, schema_editor):
    _alter(schema_editor, "RESET (n_distinct)")


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0017_drop_snapshot_post_profile_id_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
