"""PostgreSQL only: a stored, generated tsvector of name + handle + bio, with a GIN index.

Ranking (ts_rank) needs the document of every matching row; computing to_tsvector per row at query
time cost ~30 us a row, so the document is stored. The column is managed here, not by the model:
the ORM never writes it (PostgreSQL generates it) and reads it only in
``discovery.selectors.profile_text_search``. Replaces the expression index of 0003. No-op on SQLite.
"""

from django.db import migrations

FORWARD_SQL = [
    "ALTER TABLE discovery_profile ADD COLUMN IF NOT EXISTS search_document tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(name, '') || ' ' || "
    "coalesce(handle, '') || ' ' || coalesce(bio, ''))) STORED",
    "CREATE INDEX IF NOT EXISTS discovery_profile_search_doc ON discovery_profile USING gin (search_document)",
    "DROP INDEX IF EXISTS discovery_profile_search_gin",
]
BACKWARD_SQL = [
    "DROP INDEX IF EXISTS discovery_profile_search_doc",
    "ALTER TABLE discovery_profile DROP COLUMN IF EXISTS search_document",
    "CREATE INDEX IF NOT EXISTS discovery_profile_search_gin ON discovery_profile USING gin "
    "(to_tsvector('simple'::regconfig, coalesce(name, '') || ' ' || coalesce(handle, '') || ' ' "
    "|| coalesce(bio, '')))",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in FORWARD_SQL:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in BACKWARD_SQL:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("discovery", "0004_import_jobs_follower_samples")]

    operations = [migrations.RunPython(forwards, backwards)]
