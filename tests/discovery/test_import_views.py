"""Import screens: staff only, upload -> mapping preview -> start (queue up/down) -> progress -> summary."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from discovery.models import ImportJob, Profile
from discovery.services.imports import import_job_run

pytestmark = pytest.mark.django_db

CSV = (
    "Rank,Tiktoker name,Tiktok name,followers,followers\n"
    "1,mrbeast,MrBeast,60.3M,60300000\n"
    "2,karolg,Karol G,42.4M,42400000\n"
    "3,Bad Name,Bad,1K,1000\n"
)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client, name: str = "tiktok dec 2022.csv", data: str = CSV, **extra: str):
    return client.post(
        reverse("imports:job-list"),
        {"file": SimpleUploadedFile(name, data.encode()), "kind": "profiles", **extra},
    )


def test_only_staff_see_the_import_pages(brand_owner, platform_admin) -> None:
    url = reverse("imports:job-list")

    assert Client().get(url).status_code == 302  # to the login page
    assert _client(brand_owner).get(url).status_code == 404
    response = _client(platform_admin).get(url)
    assert response.status_code == 200
    assert b"No imports yet" in response.content


def test_upload_shows_the_proposed_mapping_with_samples(platform_admin) -> None:
    client = _client(platform_admin)

    response = _upload(client)

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("imports:job-detail", args=[job.pk])
    assert job.status == ImportJob.Status.PENDING
    assert job.rows_total == 3
    page = client.get(response["Location"]).content.decode()
    assert "Check the columns" in page
    assert "Tiktoker name" in page
    assert "mrbeast" in page
    assert "60300000" in page
    assert "tiktok" in page
    assert "2022-12-01" in page


def test_bad_upload_is_a_form_error_not_a_500(platform_admin, settings) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 10
    response = _upload(_client(platform_admin))

    assert response.status_code == 400
    assert "the limit is" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_start_with_the_queue_down_keeps_the_job_pending(platform_admin) -> None:
    from config.celery import app

    client = _client(platform_admin)
    _upload(client)
    job = ImportJob.objects.get()
    saved = app.conf.broker_url, app._pool, app.amqp._producer_pool
    # A broker nobody listens on: connection refused, as when Redis is down.
    app.conf.broker_url, app._pool, app.amqp._producer_pool = "redis://127.0.0.1:1/0", None, None
    try:
        response = client.post(reverse("imports:job-start", args=[job.pk]), follow=True)
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved

    job.refresh_from_db()
    assert job.status == ImportJob.Status.PENDING
    assert "The queue is down" in response.content.decode()
    assert job.file.storage.exists(job.file.name)


def test_start_queues_then_progress_reaches_the_summary(platform_admin) -> None:
    from config.celery import app
    from tests.services import redis_url

    redis_url()
    client = _client(platform_admin)
    _upload(client)
    job = ImportJob.objects.get()
    mapping = {"map:handle": "Tiktoker name", "map:name": "Tiktok name", "map:followers": "followers"}

    started = client.post(reverse("imports:job-start", args=[job.pk]), mapping, follow=True)
    assert "Import started" in started.content.decode()
    app.control.purge()  # no worker in this test: run the job as the worker would

    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED
    assert job.mapping["_ignore"] == ["Rank"]
    queued = client.get(reverse("imports:job-progress", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in queued
    import_job_run(job_id=job.pk)
    done = client.get(reverse("imports:job-progress", args=[job.pk])).content.decode()
    assert "hx-trigger" not in done
    assert 'id="sum-created">2<' in done
    assert 'id="sum-rejected">1<' in done
    assert Profile.objects.get(handle="mrbeast").followers == 60_300_000
    rejected = client.get(reverse("imports:job-rejected", args=[job.pk]))
    body = b"".join(rejected.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0] == "Rank,Tiktoker name,Tiktok name,followers,followers,_row,_error"
    assert "Bad Name" in body
    assert "not a handle" in body


def test_a_worker_claiming_the_job_as_it_is_published_keeps_it_running(platform_admin, monkeypatch) -> None:
    """The job is marked queued before its task is published: a worker that claims it within the
    publish (as a fast one does) is not overwritten to "queued" afterwards."""
    from discovery.services.imports import jobs
    from tests.services import redis_url

    redis_url()
    _upload(_client(platform_admin))
    job = ImportJob.objects.get()
    publish = jobs.enqueue
    seen = []

    def publish_then_claim(task, **kwargs):
        publish(task, **kwargs)
        seen.append(ImportJob.objects.get(pk=job.pk).status)
        assert jobs.import_job_claim(job_id=job.pk)  # the worker takes it before the view goes on

    monkeypatch.setattr(jobs, "enqueue", publish_then_claim)
    jobs.import_job_start(job=job)
    from config.celery import app

    app.control.purge()

    job.refresh_from_db()
    assert seen == [ImportJob.Status.QUEUED]
    assert job.status == ImportJob.Status.RUNNING
    assert job.attempts == 1


def test_a_job_queued_long_ago_can_be_started_again(platform_admin) -> None:
    import datetime as dt

    from django.utils import timezone

    from config.celery import app
    from discovery.services.imports import import_job_start
    from tests.services import redis_url

    redis_url()
    client = _client(platform_admin)
    _upload(client)
    job = ImportJob.objects.get()
    lost = timezone.now() - dt.timedelta(minutes=11)  # its message lost, say, in a Redis restart
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED, queued_at=lost)
    job.refresh_from_db()
    stalled = job.stalled
    page = client.get(reverse("imports:job-progress", args=[job.pk])).content.decode()

    import_job_start(job=job)
    app.control.purge()

    assert stalled
    assert "No worker has taken the job for ten minutes" in page
    assert 'id="resume-import"' in page
    job.refresh_from_db()
    assert job.status == ImportJob.Status.QUEUED
    assert job.queued_at > lost
    assert not job.stalled  # queued just now


def test_forms_need_csrf(platform_admin) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(platform_admin)

    response = client.post(reverse("imports:job-list"), {"kind": "profiles"})

    assert response.status_code == 403
