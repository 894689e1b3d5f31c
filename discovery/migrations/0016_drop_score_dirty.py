"""Drop ``Profile.score_dirty`` and its partial index: the dirty set is ``scoring.DirtyProfile`` now.

scoring 0009 copied the flags into it first. Flipping the indexed flag rewrote the wide profile row
and every one of its indexes (no HOT update); a mark is now one narrow insert.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("discovery", "0015_profile_search_names"),
        ("scoring", "0009_dirty_profile"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="profile", name="discovery_profile_dirty"),
        # Migrating back re-adds it as True everywhere; scoring 0009 backwards then sets it from the rows.
        migrations.RemoveField(model_name="profile", name="score_dirty"),
    ]
