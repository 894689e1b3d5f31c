"""PostgreSQL only: the full-run stage (0006) becomes UNLOGGED.

Staged rows are written once more when the run publishes them, so logging them twice only doubled
the WAL of a full rescore. A database crash empties an unlogged table: the run notices at publish
(fewer staged rows than it scored) and flags every profile it cannot publish for the next dirty run.
"""

from django.db import migrations

TABLE = "scoring_runscorestage"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET UNLOGGED")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("scoring", "0007_queue_position")]

    operations = [migrations.RunPython(forward, backward)]
