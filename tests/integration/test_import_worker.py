"""A real worker killed (SIGKILL) in the middle of an import; the re-run ends with exactly a clean import."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from discovery.models import FollowerSnapshot, ImportJob, Profile
from discovery.services.imports import CHUNK_ROWS, import_job_create, import_job_start
from tests.factories.core import UserFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROWS = CHUNK_ROWS * 8


def _csv() -> bytes:
    lines = ["platform,handle,name,country,niches,followers,following,posts_count,snapshot_date"]
    for i in range(ROWS):
        followers = -1 if i % 1000 == 7 else 1000 + i  # 40 bad rows, spread over every chunk
        lines.append(f"instagram,user{i},User {i},GB,Beauty;Travel,{followers},{i % 900},{i % 50},2026-01-05")
    return ("\n".join(lines) + "\n").encode()


def _wait(job: ImportJob, done: callable, timeout: float = 240) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if done(job):
            return job
        time.sleep(0.2)
    raise AssertionError(
        f"job {job.pk} stuck: {job.status} {job.checkpoint_row}/{job.rows_total} {job.message}"
    )


def test_killed_worker_then_rerun_gives_exactly_a_clean_import(celery_worker) -> None:
    job = import_job_create(
        upload=SimpleUploadedFile("big.csv", _csv()), kind="profiles", user=UserFactory(is_staff=True)
    )
    import_job_start(job=job)

    _wait(job, lambda j: CHUNK_ROWS <= j.checkpoint_row < ROWS - CHUNK_ROWS)
    celery_worker.kill()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING  # the kill left it mid-way
    partial = Profile.objects.count()
    assert 0 < partial < ROWS - 40
    celery_worker.start()
    import_job_start(job=job)  # the admin's "run again"
    job = _wait(job, lambda j: j.status in {ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED})

    assert job.status == ImportJob.Status.SUCCEEDED, job.message
    assert job.attempts == 2
    assert (job.created, job.updated, job.unchanged, job.rejected) == (ROWS - 40, 0, 0, 40)
    assert Profile.objects.count() == ROWS - 40
    assert Profile.objects.values("handle").distinct().count() == ROWS - 40
    assert FollowerSnapshot.objects.count() == ROWS - 40
    assert Profile.niches.through.objects.count() == 2 * (ROWS - 40)
    assert len(job.rejected_rows) == 40
    assert Profile.objects.get(handle="user12345").followers == 13_345
