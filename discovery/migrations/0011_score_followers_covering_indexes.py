"""PostgreSQL only: the follower-order indexes of 0008 carry the usual score filters (index-only walks).

"Most followers first" under a score filter walks ``profile_followers`` from the top and tests the
filter on each entry; without the filter columns in the index each test was a heap read of the score
row (``has_quoted_rate=true&verified=true``: 3,500 reads, ~70 ms at 1,000,000 profiles). No-op on SQLite.
"""

from django.db import migrations

FILTER_COLUMNS = "has_quoted_rate, er, price, quality, tier_relative_er, sponsored_share, growth_30d_pct"
FORWARD_SQL = [
    "CREATE INDEX IF NOT EXISTS scoring_score_pfollowers_cover ON scoring_profilescore"
    f" (profile_followers DESC NULLS LAST, profile_id) INCLUDE ({FILTER_COLUMNS})",
    "DROP INDEX IF EXISTS scoring_score_pfollowers",
    "CREATE INDEX IF NOT EXISTS scoring_score_tier_pfollowers_cover ON scoring_profilescore"
    " (tier, profile_followers DESC NULLS LAST, profile_id) INCLUDE (er, price)",
    "DROP INDEX IF EXISTS scoring_score_tier_pfollowers",
]
BACKWARD_SQL = [
    "CREATE INDEX IF NOT EXISTS scoring_score_pfollowers ON scoring_profilescore"
    " (profile_followers DESC NULLS LAST, profile_id)",
    "DROP INDEX IF EXISTS scoring_score_pfollowers_cover",
    "CREATE INDEX IF NOT EXISTS scoring_score_tier_pfollowers ON scoring_profilescore"
    " (tier, profile_followers DESC NULLS LAST, profile_id)",
    "DROP INDEX IF EXISTS scoring_score_tier_pfollowers_cover",
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
    dependencies = [("discovery", "0010_score_price_cpe_covering_indexes")]

    operations = [migrations.RunPython(forwards, backwards)]
