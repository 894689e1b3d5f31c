"""PostgreSQL only: the score row's profile_followers trigger (discovery 0008) fires only when needed.

``discovery_score_profile_followers`` ran a PL/pgSQL function with a SELECT on the profile for every
row inserted into ``scoring_profilescore``: ~1.8 s of the 7 s it takes a full rescore's publish to
insert 100,000 rows (bench/bench_scoring.py). The publish now writes the profile's count itself (it
joins the profile anyway), so the insert trigger fires only for rows that arrive without one
(``WHEN (NEW.profile_followers IS NULL)``: the dirty-run upsert, anything else); an update
that sets profile_id still takes the profile's count, as before. Same function, same result.
No-op on SQLite.
"""

from django.db import migrations

TRIGGER = "discovery_score_profile_followers"
MOVED = "discovery_score_profile_followers_moved"
FUNCTION = "discovery_score_take_profile_followers()"

FORWARD_SQL = [
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON scoring_profilescore",
    f"CREATE TRIGGER {TRIGGER} BEFORE INSERT ON scoring_profilescore FOR EACH ROW "
    f"WHEN (NEW.profile_followers IS NULL) EXECUTE FUNCTION {FUNCTION}",
    f"DROP TRIGGER IF EXISTS {MOVED} ON scoring_profilescore",
    f"CREATE TRIGGER {MOVED} BEFORE UPDATE OF profile_id ON scoring_profilescore FOR EACH ROW "
    f"EXECUTE FUNCTION {FUNCTION}",
]
BACKWARD_SQL = [
    f"DROP TRIGGER IF EXISTS {MOVED} ON scoring_profilescore",
    f"DROP TRIGGER IF EXISTS {TRIGGER} ON scoring_profilescore",
    f"CREATE TRIGGER {TRIGGER} BEFORE INSERT OR UPDATE OF profile_id ON scoring_profilescore "
    f"FOR EACH ROW EXECUTE FUNCTION {FUNCTION}",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD_SQL:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD_SQL:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("scoring", "0010_run_timings"),
        ("discovery", "0008_score_profile_followers"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
