"""Scoring tasks called directly: chunking, re-enqueueing, the nightly lock."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from scoring import tasks
from scoring.models import DirtyProfile, ScoringQueueItem, ScoringRun
from tests.factories.discovery import ProfileFactory

pytestmark = pytest.mark.django_db


def test_task_re_enqueues_itself_while_chunks_are_full(monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.score_dirty_profiles_task, "delay", lambda **kw: sent.append(kw))
    ProfileFactory.create_batch(3)

    first = tasks.score_dirty_profiles_task(batch_size=2)

    run = ScoringRun.objects.get()
    assert first == 2
    assert sent == [{"run_id": run.pk, "batch_size": 2}]
    second = tasks.score_dirty_profiles_task(run_id=run.pk, batch_size=2)
    run.refresh_from_db()
    assert second == 1
    assert len(sent) == 1  # a short chunk ends the chain
    assert (run.status, run.scored, run.batches) == (ScoringRun.Status.SUCCEEDED, 3, 2)
    assert not DirtyProfile.objects.exists()


def test_task_without_dirty_profiles_opens_no_run():
    ProfileFactory(score_dirty=False)
    assert tasks.score_dirty_profiles_task() == 0
    assert not ScoringRun.objects.exists()


def test_rerunning_a_finished_run_changes_nothing():
    ProfileFactory.create_batch(2)
    tasks.score_dirty_profiles_task(batch_size=5)
    run = ScoringRun.objects.get()

    assert tasks.score_dirty_profiles_task(run_id=run.pk, batch_size=5) == 0
    run.refresh_from_db()
    assert run.scored == 2


def test_nightly_rescore_takes_a_lock(monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(tasks.score_dirty_profiles_task, "apply_async", lambda kwargs=None, **options: None)
    cache.delete(tasks.NIGHTLY_LOCK)
    ProfileFactory.create_batch(2, score_dirty=False)

    with django_capture_on_commit_callbacks(execute=True):
        run_id = tasks.rescore_all_profiles_task()
    again = tasks.rescore_all_profiles_task()

    assert ScoringRun.objects.get(pk=run_id).kind == ScoringRun.Kind.FULL
    assert again is None
    # a full run queues every profile instead of flagging the whole catalogue dirty
    assert ScoringQueueItem.objects.filter(run_id=run_id).count() == 2
    assert not DirtyProfile.objects.exists()
    cache.delete(tasks.NIGHTLY_LOCK)


def test_beat_schedule_has_the_nightly_rescore(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["scoring-nightly-rescore"]
    assert entry["task"] == "scoring.tasks.rescore_all_profiles_task"
    assert tasks.rescore_all_profiles_task.name == entry["task"]


def test_periodic_task_leaves_a_live_run_alone():
    ProfileFactory.create_batch(2)
    live = ScoringRun.objects.create(status=ScoringRun.Status.RUNNING, total=2)

    assert tasks.score_dirty_profiles_task() == 0
    assert ScoringRun.objects.get() == live
    assert DirtyProfile.objects.count() == 2


def test_beat_scores_dirty_profiles_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["scoring-dirty-profiles"]
    assert entry["task"] == tasks.score_dirty_profiles_task.name
