"""The dirty set (``DirtyProfile``): marks, claims under concurrency, and the migration from the flag."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from discovery.models import Profile
from scoring.models import DirtyProfile
from scoring.selectors import dirty_profile_count
from scoring.services import profiles_mark_all_dirty, profiles_mark_dirty, profiles_mark_dirty_where
from scoring.services.dirty import dirty_restore, dirty_take
from tests.factories.discovery import ProfileFactory


def _in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``work`` on its own database connection in a thread; its result lands in the dict."""
    out: dict[str, Any] = {}

    def target() -> None:
        try:
            with transaction.atomic():
                out["result"] = work()
        except Exception as exc:  # surfaced by the test's assertions
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=target)
    thread.start()
    return thread, out


@pytest.mark.django_db
def test_marks_are_one_row_per_profile_and_keep_the_first_mark_time():
    # given
    profile = ProfileFactory(score_dirty=False)
    profiles_mark_dirty(profile_ids=[profile.pk, profile.pk])
    first = DirtyProfile.objects.get(pk=profile.pk).marked_at

    # when it is marked again
    profiles_mark_dirty(profile_ids=[profile.pk])

    # then
    assert DirtyProfile.objects.count() == 1
    assert DirtyProfile.objects.get(pk=profile.pk).marked_at == first
    assert dirty_profile_count() == 1


@pytest.mark.django_db
def test_catalogue_wide_marks_count_only_profiles_not_marked_yet():
    # given one of three instagram profiles already dirty, and a tiktok one
    marked = ProfileFactory(platform="instagram")
    ProfileFactory.create_batch(2, platform="instagram", score_dirty=False)
    tiktok = ProfileFactory(platform="tiktok", score_dirty=False)

    # when
    added = profiles_mark_dirty_where(queryset=Profile.objects.filter(platform="instagram"))

    # then
    assert added == 2
    assert not DirtyProfile.objects.filter(pk=tiktok.pk).exists()
    assert DirtyProfile.objects.filter(pk=marked.pk).exists()
    assert profiles_mark_all_dirty() == 1
    assert dirty_profile_count() == 4


@pytest.mark.django_db
def test_a_claim_takes_marks_in_id_order_and_a_rollback_gives_them_back():
    # given
    profiles = ProfileFactory.create_batch(5)
    ids = sorted(p.pk for p in profiles)

    seen: dict[str, Any] = {}

    def claim_then_die() -> None:
        with transaction.atomic():
            seen["taken"] = sorted(dirty_take(batch_size=3, exclude_ids=[ids[0]]))
            seen["left"] = dirty_profile_count()
            raise RuntimeError("worker died")

    # when a claim is rolled back
    with pytest.raises(RuntimeError):
        claim_then_die()

    # then it had taken the next three (the excluded one skipped), and every mark is back
    assert seen == {"taken": ids[1:4], "left": 2}
    assert dirty_profile_count() == 5


@pytest.mark.django_db
def test_restored_marks_keep_their_first_mark_time():
    # given
    profile = ProfileFactory()
    first = DirtyProfile.objects.get(pk=profile.pk).marked_at

    # when a run takes the mark and then cannot score the profile
    with transaction.atomic():
        marks = dirty_take(among=[profile.pk])
        dirty_restore(marks=marks)

    # then
    assert DirtyProfile.objects.get(pk=profile.pk).marked_at == first


@pytest.mark.django_db(transaction=True)
def test_a_profile_marked_while_a_run_holds_its_claim_is_dirty_after_the_run():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers instead")
    # given a run that took a profile's mark and has not committed
    profile = ProfileFactory()
    with transaction.atomic():
        assert list(dirty_take(batch_size=10)) == [profile.pk]

        # when an import marks the profile again on its own connection
        thread, out = _in_thread(lambda: profiles_mark_dirty(profile_ids=[profile.pk]))
        thread.join(timeout=1.0)
        waited = thread.is_alive()  # it waits for the run's transaction
    thread.join(timeout=10)

    # then the run's commit did not swallow the new mark
    assert waited
    assert "error" not in out
    assert DirtyProfile.objects.filter(pk=profile.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_a_mark_an_unfinished_import_holds():
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers instead")
    # given a dirty profile that an import (not committed yet) marks again after changing its data
    profile, other = ProfileFactory(), ProfileFactory()
    with transaction.atomic():
        profiles_mark_dirty(profile_ids=[profile.pk])

        # when a run claims on its own connection meanwhile
        thread, out = _in_thread(lambda: sorted(dirty_take(batch_size=10)))
        thread.join(timeout=10)

    # then the run took only the other profile: the import's profile is scored after its changes commit
    assert out["result"] == [other.pk]
    assert list(DirtyProfile.objects.values_list("pk", flat=True)) == [profile.pk]


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_the_flags_over_and_back():
    executor = MigrationExecutor(connection)
    flag_state = [("discovery", "0015_profile_search_names"), ("scoring", "0008_run_score_stage_unlogged")]
    latest = executor.loader.graph.leaf_nodes()
    dirty, clean = ProfileFactory(), ProfileFactory(score_dirty=False)
    try:
        # given the flag schema, with one profile flagged
        executor.migrate(flag_state)
        with connection.cursor() as cursor:
            cursor.execute("UPDATE discovery_profile SET score_dirty = (id = %s)", [dirty.pk])

        # when migrating forward
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)

        # then the flagged profile has a mark, the other none
        assert list(DirtyProfile.objects.values_list("pk", flat=True)) == [dirty.pk]

        # and back: the flags follow the marks
        executor = MigrationExecutor(connection)
        executor.migrate(flag_state)
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, score_dirty FROM discovery_profile ORDER BY id")
            assert cursor.fetchall() == sorted([(dirty.pk, True), (clean.pk, False)])
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
