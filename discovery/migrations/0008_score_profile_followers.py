"""PostgreSQL only: the profile's follower count copied onto its score row, for one-table search plans.

Searches that filter on a score column (tier, ER, price, quality...) and sort by followers joined
two tables before they could sort: at 1,000,000 profiles ``tier=micro`` sorted 870,000 joined rows
(~1 s for page 1 and for a deep page). With the count beside the tier on ``scoring_profilescore``,
the index ``(tier, profile_followers DESC NULLS LAST, profile_id)`` returns a page in index order,
and a deep page is an index-only scan.

``scoring_profilescore.profile_followers`` is a database-managed column (like
``discovery_profile.search_document``): the ORM never writes it and reads it only in
``discovery.selectors.profile_order``. Two triggers keep it equal to ``discovery_profile.followers``:
a score row takes its profile's count when inserted (the scoring upsert inserts), and a change of a
profile's count is copied to its score row. No-op on SQLite (the search sorts on the profile there).
"""

from django.db import migrations

FORWARD_SQL = [
    "ALTER TABLE scoring_profilescore ADD COLUMN IF NOT EXISTS profile_followers bigint",
    """
    CREATE OR REPLACE FUNCTION discovery_score_take_profile_followers() RETURNS trigger AS $$
    BEGIN
        SELECT p.followers INTO NEW.profile_followers FROM discovery_profile p WHERE p.id = NEW.profile_id;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS discovery_score_profile_followers ON scoring_profilescore",
    "CREATE TRIGGER discovery_score_profile_followers BEFORE INSERT OR UPDATE OF profile_id"
    " ON scoring_profilescore FOR EACH ROW EXECUTE FUNCTION discovery_score_take_profile_followers()",
    """
    CREATE OR REPLACE FUNCTION discovery_profile_followers_to_score() RETURNS trigger AS $$
    BEGIN
        UPDATE scoring_profilescore SET profile_followers = NEW.followers WHERE profile_id = NEW.id;
        RETURN NULL;
    END
    $$ LANGUAGE plpgsql
    """,
    "DROP TRIGGER IF EXISTS discovery_profile_followers_to_score ON discovery_profile",
    "CREATE TRIGGER discovery_profile_followers_to_score AFTER UPDATE OF followers ON discovery_profile"
    " FOR EACH ROW WHEN (OLD.followers IS DISTINCT FROM NEW.followers)"
    " EXECUTE FUNCTION discovery_profile_followers_to_score()",
    "UPDATE scoring_profilescore s SET profile_followers = p.followers FROM discovery_profile p"
    " WHERE p.id = s.profile_id AND s.profile_followers IS DISTINCT FROM p.followers",
    "CREATE INDEX IF NOT EXISTS scoring_score_tier_pfollowers ON scoring_profilescore"
    " (tier, profile_followers DESC NULLS LAST, profile_id)",
    "CREATE INDEX IF NOT EXISTS scoring_score_pfollowers ON scoring_profilescore"
    " (profile_followers DESC NULLS LAST, profile_id)",
    # TikTok / YouTube "ER by views, highest first": the same nulls-last order as the other sorts.
    "CREATE INDEX IF NOT EXISTS scoring_score_er_views_desc ON scoring_profilescore"
    " (er_views DESC NULLS LAST)",
]
BACKWARD_SQL = [
    "DROP INDEX IF EXISTS scoring_score_er_views_desc",
    "DROP INDEX IF EXISTS scoring_score_pfollowers",
    "DROP INDEX IF EXISTS scoring_score_tier_pfollowers",
    "DROP TRIGGER IF EXISTS discovery_profile_followers_to_score ON discovery_profile",
    "DROP FUNCTION IF EXISTS discovery_profile_followers_to_score()",
    "DROP TRIGGER IF EXISTS discovery_score_profile_followers ON scoring_profilescore",
    "DROP FUNCTION IF EXISTS discovery_score_take_profile_followers()",
    "ALTER TABLE scoring_profilescore DROP COLUMN IF EXISTS profile_followers",
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
    dependencies = [
        ("discovery", "0007_niche_profile_index"),
        ("scoring", "0005_run_queue"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
