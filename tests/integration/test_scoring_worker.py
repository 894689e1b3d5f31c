"""A real Celery worker on Redis scores the catalogue; a killed run resumes."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from discovery.models import Profile
from scoring.models import DirtyProfile, ProfileScore, ScoringRun
from scoring.services import scoring_rescore_all, scoring_run_create
from scoring.tasks import score_dirty_profiles_task
from tests import services as real_services
from tests.factories.discovery import FollowerSnapshotFactory, PostFactory, ProfileFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _catalogue(n: int, posts: int = 3) -> list[Profile]:
    profiles = ProfileFactory.create_batch(n, followers=20_000)
    now = timezone.now()
    for p in profiles:
        FollowerSnapshotFactory(profile=p, captured_on=dt.date(2026, 1, 1), followers=19_000)
        for i in range(posts):
            PostFactory(profile=p, posted_at=now - dt.timedelta(days=i + 1), likes=500, comments=20)
    return profiles


def _wait(predicate, timeout: float = 60.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return False


def test_worker_scores_a_full_rescore_and_fills_the_run(celery_worker):
    # given a small catalogue, already scored once and clean
    _catalogue(30)
    DirtyProfile.objects.all().delete()

    # when an admin starts a full rescore (committed, so the worker sees it)
    run = scoring_rescore_all(triggered_by="test")
    done = _wait(lambda: ScoringRun.objects.get(pk=run.pk).status == ScoringRun.Status.SUCCEEDED)

    # then the worker process scored everyone and filled the run record
    assert done, (real_services.ARTIFACTS / "worker.log").read_text()[-3000:]
    run.refresh_from_db()
    assert run.kind == ScoringRun.Kind.FULL
    assert (run.total, run.scored, run.failed) == (30, 30, 0)
    assert run.batches >= 1
    assert run.duration_s is not None
    assert run.duration_s > 0
    assert run.finished_at >= run.started_at
    assert ProfileScore.objects.filter(er_provenance="measured", tier="micro").count() == 30
    assert not DirtyProfile.objects.exists()


def test_a_run_killed_halfway_resumes_without_losing_or_double_counting(celery_worker):
    # given 300 dirty profiles scored in chunks of 10
    _catalogue(300, posts=2)
    run = scoring_run_create(triggered_by="test")
    score_dirty_profiles_task.delay(run_id=run.pk, batch_size=10)

    # when the worker is SIGKILLed after some chunks
    assert _wait(lambda: ScoringRun.objects.get(pk=run.pk).scored >= 30)
    celery_worker.kill()
    run.refresh_from_db()
    scored_before = run.scored
    dirty_after_kill = DirtyProfile.objects.count()
    assert 0 < dirty_after_kill < 300
    assert scored_before + dirty_after_kill == 300  # counts commit with their chunk

    # and a new worker picks the run up again
    second = real_services.WorkerProcess(
        real_services.test_database_url(), real_services.ARTIFACTS / "worker.log"
    )
    second.start()
    try:
        score_dirty_profiles_task.delay(run_id=run.pk, batch_size=10)
        done = _wait(lambda: ScoringRun.objects.get(pk=run.pk).status == ScoringRun.Status.SUCCEEDED)
    finally:
        second.stop()

    # then every profile is scored exactly once in the run's counts
    assert done
    run.refresh_from_db()
    assert run.scored == 300
    assert ProfileScore.objects.count() == 300
    assert not DirtyProfile.objects.exists()
