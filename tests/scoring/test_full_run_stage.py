"""Full rescore on PostgreSQL: chunks staged and published once, posts read on a second connection."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from discovery.models import Profile
from scoring import selectors
from scoring.models import DirtyProfile, ProfileScore, ScoringQueueItem, ScoringRun
from scoring.services import chunk as chunk_module
from scoring.services import profiles_mark_dirty, scoring_run_create, scoring_run_step, scoring_run_sync
from scoring.services import runs as runs_module
from scoring.services.runs import RUN_STAGE
from tests.factories.discovery import FollowerSnapshotFactory, PostFactory, ProfileFactory
from tests.services import missing_service

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres() -> None:
    """The full run stages and publishes with PostgreSQL's COPY, unlogged tables and a second
    connection: without PostgreSQL (SQLite, ``make test`` with no DATABASE_URL) these are skipped
    locally and fail in CI (REQUIRE_SERVICES=1)."""
    if connection.vendor != "postgresql":
        missing_service("the full-run stage needs PostgreSQL (set DATABASE_URL)")


COMPARED = [f.attname for f in ProfileScore._meta.concrete_fields if f.attname != "computed_at"]


def _catalogue() -> None:
    now = timezone.now()
    for i, followers in enumerate([900, 1_000, 15_000, 40_000, 99_999, 100_000, 250_000, 2_000_000]):
        profile = ProfileFactory(followers=followers, score_dirty=i % 2 == 0)
        for day in range(14):
            PostFactory(
                profile=profile,
                posted_at=now - dt.timedelta(days=day + 1),
                likes=None if day == 3 else followers // (20 + i + day),
                comments=5 + day,
            )
        for day in range(0, 120, 10):
            FollowerSnapshotFactory(
                profile=profile,
                captured_on=(now - dt.timedelta(days=day)).date(),
                followers=followers - day * 7,
            )


def _scores() -> dict[int, tuple]:
    return {
        s["profile_id"]: tuple(s[c] for c in COMPARED)
        for s in ProfileScore.objects.order_by("profile_id").values(*COMPARED)
    }


def test_stage_table_has_every_score_column():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s", [RUN_STAGE]
        )
        staged = {row[0] for row in cursor.fetchall()}
    assert {f.column for f in ProfileScore._meta.concrete_fields} | {"run_id", "platform"} <= staged


def test_full_rescore_reads_posts_in_parallel_and_rates_against_the_catalogue_after_the_run(monkeypatch):
    # given a catalogue across the tier boundaries, and the second connection used from one profile on
    _catalogue()
    reads = []
    real = chunk_module._posts_on_own_connection

    def spy(posts_args):
        reads.append(len(posts_args["profile_ids"]))
        return real(posts_args)

    monkeypatch.setattr(chunk_module, "PARALLEL_READS_MIN", 1)
    monkeypatch.setattr(chunk_module, "_posts_on_own_connection", spy)

    # when a full rescore runs outside any transaction (as in a worker)
    run = scoring_run_sync(all_profiles=True, batch_size=3)

    # then the posts came from the reader thread, chunk by chunk, and every profile was scored
    assert reads == [3, 3, 2]
    assert run.scored == 8
    parallel = _scores()
    assert len(parallel) == 8
    # the stage and the queue are empty, and every dirty flag is cleared
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {RUN_STAGE}")
        assert cursor.fetchone()[0] == 0
    assert not ScoringQueueItem.objects.exists()
    # tier-relative ER and rating are against the catalogue's quartiles after the run
    quartiles = selectors.er_quartiles_by_tier()
    for score in ProfileScore.objects.select_related("profile").exclude(er=None):
        q1, q2, q3 = quartiles[score.profile.platform][score.tier]
        assert score.tier_relative_er == score.er / q2
        expected = (
            "low"
            if score.er < q1
            else "average"
            if score.er < q2
            else "good"
            if score.er < q3
            else "excellent"
        )
        assert score.er_rating == expected

    # when the same rescore runs inside a transaction (one connection, no reader thread)
    reads.clear()
    ProfileScore.objects.all().delete()
    with transaction.atomic():
        scoring_run_sync(all_profiles=True, batch_size=3)

    # then it wrote the same numbers
    assert reads == []
    assert _scores() == parallel


def test_a_dirty_run_rates_against_the_quartiles_the_last_full_rescore_published():
    # given a catalogue rescored in full
    _catalogue()
    full = scoring_run_sync(all_profiles=True, batch_size=3)
    full.refresh_from_db()
    assert full.tier_medians == selectors.er_quartiles_by_tier()

    # when a profile changes and a dirty run opens
    profile = ProfileScore.objects.first().profile
    Profile.objects.filter(pk=profile.pk).update(followers=123_456)
    profiles_mark_dirty(profile_ids=[profile.pk])
    dirty = scoring_run_sync()

    # then it took the published quartiles instead of a pass over the catalogue
    assert dirty.kind == ScoringRun.Kind.DIRTY
    assert dirty.scored == 1
    assert dirty.tier_medians == full.tier_medians


def test_scores_staged_before_a_database_crash_are_not_lost_silently():
    # given a full run that staged its first chunk, then lost the stage (UNLOGGED, emptied by a crash)
    _catalogue()
    DirtyProfile.objects.all().delete()
    run = scoring_run_create(kind=ScoringRun.Kind.FULL)
    assert scoring_run_step(run_id=run.pk, batch_size=3) == 3
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {RUN_STAGE}")

    # when the run goes on to its end
    while scoring_run_step(run_id=run.pk, batch_size=3) == 3:
        pass

    # then the five published profiles have scores, the three lost ones are dirty for the next run
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.SUCCEEDED
    assert run.errors == [{"error": "3 staged scores lost; their profiles are dirty"}]
    assert ProfileScore.objects.count() == 5
    dirty = set(DirtyProfile.objects.values_list("pk", flat=True))
    assert len(dirty) == 3
    assert not dirty & set(ProfileScore.objects.values_list("profile_id", flat=True))


def test_a_full_run_records_the_seconds_of_each_phase():
    # given
    _catalogue()

    # when
    run = scoring_run_sync(all_profiles=True, batch_size=3)

    # then every phase of opening, the chunks and the publish is recorded, none negative
    phases = {"open_quartiles", "open_queue", "claim_queue", "clear_dirty", "context", "read", "compute"}
    phases |= {"write", "publish", "publish_quartiles", "publish_insert", "publish_rerate"}
    assert set(run.timings) == phases
    assert all(seconds >= 0 for seconds in run.timings.values())
    assert run.timings["publish"] >= run.timings["publish_insert"]
    assert not DirtyProfile.objects.exists()


def test_a_full_rescore_of_an_unchanged_catalogue_neither_rewrites_nor_locks_a_score_row():
    # given a settled catalogue (a second run rates against the quartiles the first published)
    _catalogue()
    scoring_run_sync(all_profiles=True)
    scoring_run_sync(all_profiles=True)
    before = _scores()
    with connection.cursor() as cursor:
        cursor.execute("SELECT profile_id, xmin::text FROM scoring_profilescore")
        versions = dict(cursor.fetchall())

    # when nothing changed since
    run = scoring_run_sync(all_profiles=True)

    # then every score is the same row version, never locked by the publish (xmax 0)
    assert run.scored == 8
    assert _scores() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT profile_id, xmin::text, xmax::text FROM scoring_profilescore")
        rows = cursor.fetchall()
    assert len(rows) == 8
    assert all(xmin == versions[pid] and xmax == "0" for pid, xmin, xmax in rows)


def _profile_followers() -> dict[int, int | None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT profile_id, profile_followers FROM scoring_profilescore")
        return dict(cursor.fetchall())


def test_every_score_carries_its_profiles_follower_count_after_a_full_and_a_dirty_run():
    # given a catalogue rescored in full (the publish writes the count; its slices on own connections)
    _catalogue()
    scoring_run_sync(all_profiles=True, batch_size=3)
    expected = dict(Profile.objects.values_list("id", "followers"))
    assert _profile_followers() == expected

    # when one profile's score is deleted and rescored by a dirty run (the upsert writes the count
    # too), and another profile's count changes (the profile trigger copies it)
    first, second = sorted(expected)[:2]
    ProfileScore.objects.filter(profile_id=first).delete()
    profiles_mark_dirty(profile_ids=[first])
    scoring_run_sync()
    Profile.objects.filter(pk=second).update(followers=77_777)

    # then both score rows hold their profile's current count
    assert _profile_followers() == expected | {second: 77_777}


def test_a_step_scores_its_chunk_as_two_lanes_on_their_own_connections_with_the_same_numbers(monkeypatch):
    # given a settled catalogue rescored in full one chunk at a time (the second run rates against
    # the quartiles the first published)
    _catalogue()
    scoring_run_sync(all_profiles=True, batch_size=4)
    single = scoring_run_sync(all_profiles=True, batch_size=4)
    assert single.batches == 2
    expected = _scores()

    # when the same rescore runs with each step split into two lanes (threads, own connections)
    monkeypatch.setattr(runs_module, "LANE_MIN_PROFILES", 1)
    threads = []
    real = runs_module.profiles_score_batch

    def spy(**kwargs):
        result = real(**kwargs)
        threads.append((threading.current_thread().name, kwargs["batch_size"], result.claimed))
        return result

    monkeypatch.setattr(runs_module, "profiles_score_batch", spy)
    run = scoring_run_sync(all_profiles=True, batch_size=4)

    # then each step claimed two chunks of two, one of them off the main thread (the last step found
    # nothing left to split), and every number, the run's counters, the queue and the stage are as
    # with one lane
    claims = [(name, size, claimed) for name, size, claimed in threads if claimed]
    assert [(size, claimed) for _, size, claimed in claims] == [(2, 2)] * 4
    assert {name.split("_")[0] for name, _, _ in claims} == {"MainThread", "scoring-lane"}
    run.refresh_from_db()
    assert (run.status, run.scored, run.failed, run.batches) == (ScoringRun.Status.SUCCEEDED, 8, 0, 4)
    assert _scores() == expected
    assert not ScoringQueueItem.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {RUN_STAGE}")
        assert cursor.fetchone()[0] == 0
