"""PostgreSQL-only search indexes for the discovery search (no-ops on SQLite).

The GIN expression index must match ``discovery.selectors.SEARCH_DOCUMENT_SQL`` exactly, or
PostgreSQL will not use it for ``q``.
"""

from django.db import migrations

SEARCH_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS discovery_profile_search_gin ON discovery_profile USING gin "
    "(to_tsvector('simple'::regconfig, coalesce(name, '') || ' ' || coalesce(handle, '') || ' ' "
    "|| coalesce(bio, '')))"
)
TRGM_SQL = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS discovery_profile_handle_trgm ON discovery_profile "
    "USING gin (handle gin_trgm_ops)",
]
DROP_SQL = [
    "DROP INDEX IF EXISTS discovery_profile_search_gin",
    "DROP INDEX IF EXISTS discovery_profile_handle_trgm",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(SEARCH_INDEX_SQL)
    for sql in TRGM_SQL:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in DROP_SQL:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("discovery", "0002_saved_search")]

    operations = [migrations.RunPython(forwards, backwards)]
