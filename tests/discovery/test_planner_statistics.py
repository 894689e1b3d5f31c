"""Migration 0018: the planner is told that posts and snapshots hold one account per 20 rows."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection

from discovery.models import FollowerSnapshot
from tests.factories.discovery import ProfileFactory
from tests.services import missing_service

pytestmark = pytest.mark.django_db

TABLES = ("discovery_post", "discovery_followersnapshot")


def _require_postgres() -> None:
    if connection.vendor != "postgresql":
        missing_service("planner statistics are PostgreSQL's (DATABASE_URL is not PostgreSQL)")


def test_profile_id_n_distinct_is_set_on_both_tables():
    _require_postgres()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attrelid::regclass::text, attoptions FROM pg_attribute "
            "WHERE attrelid = ANY(%s::regclass[]) AND attname = 'profile_id'",
            [list(TABLES)],
        )
        options = dict(cursor.fetchall())
    assert set(options) == set(TABLES)
    for table in TABLES:
        assert "n_distinct=-0.05" in options[table], (table, options[table])


def test_rows_per_account_estimate_follows_it():
    """300 accounts with one snapshot each (no value repeats, so ANALYZE keeps no list of common values
    and the estimate is rows / distinct accounts): ANALYZE alone would say 1 row an account; the setting
    says 20 (one account per 20 rows), so a read of 5 accounts is planned for ~100 rows, not 5."""
    _require_postgres()
    profiles = ProfileFactory.create_batch(300)
    day = dt.date(2026, 1, 1)
    FollowerSnapshot.objects.bulk_create(
        FollowerSnapshot(profile=p, captured_on=day + dt.timedelta(days=i), followers=1000 + i)
        for p in profiles
        for i in range(1)
    )
    ids = "{" + ",".join(str(p.pk) for p in profiles[:5]) + "}"
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE discovery_followersnapshot")
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT * FROM discovery_followersnapshot "
            "WHERE profile_id = ANY(%s::bigint[])",
            [ids],
        )
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    assert plan[0]["Plan"]["Plan Rows"] == pytest.approx(100, rel=0.1)
