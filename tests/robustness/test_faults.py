"""Faults as tests: Redis (broker) down, a PostgreSQL connection killed mid-request, unwritable uploads."""

from __future__ import annotations

import errno
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from discovery.models import ImportJob, Profile
from discovery.services.imports import import_job_create, import_jobs_start_waiting
from scoring.models import ScoringRun
from tests.factories.discovery import ProfileFactory
from tests.factories.scoring import ProfileScoreFactory
from tests.services import missing_service

CSV = "handle,platform,followers\nfault_one,instagram,12000\nfault_two,instagram,3.4k\n"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _upload(client: Client) -> ImportJob:
    client.post(
        reverse("imports:job-list"),
        {"file": SimpleUploadedFile("faults.csv", CSV.encode()), "kind": "profiles"},
    )
    return ImportJob.objects.latest("pk")


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Point Celery at a local port nobody listens on (connection refused, as when Redis is stopped)."""
    from config.celery import app

    saved = app.conf.broker_url, app._pool, app.amqp._producer_pool
    app.conf.broker_url, app._pool, app.amqp._producer_pool = "redis://127.0.0.1:1/0", None, None
    try:
        yield
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved


# -- Redis stopped -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_profile_and_api_keep_working_with_the_broker_down(brand_member, broker_down) -> None:
    profile = ProfileFactory(handle="stillhere", followers=20_000)
    ProfileScoreFactory(profile=profile)
    client = _client(brand_member)

    search = client.get("/", {"q": "stillhere"})
    detail = client.get(reverse("discovery:profile-detail", args=[profile.pk]))
    api = client.get("/api/profiles/", {"followers_min": 10_000})

    assert search.status_code == 200
    assert "stillhere" in search.content.decode()
    assert detail.status_code == 200
    assert api.status_code == 200
    assert api.json()["count"] == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.integration
def test_import_started_with_the_broker_down_stays_pending_and_runs_once_it_is_back(
    platform_admin, celery_worker
) -> None:
    from config.celery import app

    client = _client(platform_admin)
    job = _upload(client)
    saved = app.conf.broker_url, app._pool, app.amqp._producer_pool
    app.conf.broker_url, app._pool, app.amqp._producer_pool = "redis://127.0.0.1:1/0", None, None
    try:
        down = client.post(reverse("imports:job-start", args=[job.pk]), follow=True)
    finally:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved
    job.refresh_from_db()
    assert down.status_code == 200
    assert "The queue is down" in down.content.decode()
    assert "start by itself as soon as the queue is back" in down.content.decode()
    assert job.status == ImportJob.Status.PENDING
    assert job.start_requested_at is not None
    assert job.file.storage.exists(job.file.name)

    # Redis is back: beat's next tick starts the waiting job and the real worker imports every row.
    assert import_jobs_start_waiting() == 1
    job.refresh_from_db()
    assert job.start_requested_at is None
    assert import_jobs_start_waiting() == 0  # nothing left waiting
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (ImportJob.Status.SUCCEEDED, ImportJob.Status.FAILED):
            break
        time.sleep(0.2)
    assert job.status == ImportJob.Status.SUCCEEDED, job.message
    assert dict(Profile.objects.values_list("handle", "followers")) == {
        "fault_one": 12_000,
        "fault_two": 3_400,
    }


@pytest.mark.django_db
def test_waiting_imports_keep_waiting_while_the_broker_is_still_down(platform_admin, broker_down) -> None:
    client = _client(platform_admin)
    job = _upload(client)
    client.post(reverse("imports:job-start", args=[job.pk]))
    never_started = _upload(client)  # uploaded, never started: not the requeue's business

    assert import_jobs_start_waiting() == 0

    job.refresh_from_db()
    never_started.refresh_from_db()
    assert job.status == ImportJob.Status.PENDING
    assert job.start_requested_at is not None
    assert "start by itself" in job.message
    assert never_started.start_requested_at is None


def test_the_waiting_imports_task_is_scheduled_every_minute(settings) -> None:
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "discovery.tasks.start_waiting_imports_task"
    )
    assert entry["schedule"].minute == set(range(60))


# Transactional: the task is enqueued on commit, which a rolled-back test transaction never reaches.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["scoring:rescore-all", "scoring:score-dirty"])
def test_scoring_buttons_with_the_broker_down_say_so_instead_of_a_500(
    platform_admin, broker_down, name
) -> None:
    ProfileFactory(score_dirty=True)
    client = _client(platform_admin)
    client.raise_request_exception = False

    response = client.post(reverse(name), follow=True)

    assert response.status_code < 500, response.status_code
    assert "queue is down" in response.content.decode().lower()
    # and no run is left open without a task to finish it
    assert not ScoringRun.objects.filter(
        status__in=[ScoringRun.Status.RUNNING, ScoringRun.Status.QUEUED]
    ).exists()


# -- PostgreSQL connection killed mid-request --------------------------------------------------------


def _fetch(url: str, headers: dict[str, str]) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", ["/", "/api/profiles/"])
def test_a_killed_database_connection_fails_the_request_cleanly_and_the_next_succeeds(
    live_server, brand_member, path: str
) -> None:
    if connection.vendor != "postgresql":
        missing_service("pg_terminate_backend needs PostgreSQL (set DATABASE_URL)")
    ProfileScoreFactory(profile=ProfileFactory(handle="survivor"))
    session = _client(brand_member).cookies["sessionid"].value
    token = Token.objects.create(user=brand_member).key
    headers = {"Cookie": f"sessionid={session}", "Authorization": f"Token {token}"}
    result: dict[str, tuple[int, str]] = {}

    # Hold a lock on the profiles table so the live server's query waits inside PostgreSQL, then kill
    # that backend: the request loses its connection mid-query.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE discovery_profile IN ACCESS EXCLUSIVE MODE")
        worker = threading.Thread(target=lambda: result.update(first=_fetch(live_server.url + path, headers)))
        worker.start()
        victims: list[int] = []
        deadline = time.monotonic() + 20
        while not victims and time.monotonic() < deadline:
            # pg_stat_activity is a snapshot held for the transaction: refresh it on every look.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            victims = [row[0] for row in cursor.fetchall()]
            time.sleep(0.05)
        assert victims, "the live server's request never waited on the lock"
        for pid in victims:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    worker.join(timeout=30)

    status, body = result["first"]
    assert 500 <= status < 600
    assert "Traceback" not in body
    assert "OperationalError" not in body
    again_status, again_body = _fetch(live_server.url + path, headers)
    assert again_status == 200
    assert "survivor" in again_body


# -- Uploads that cannot be written -----------------------------------------------------------------


@pytest.fixture
def unwritable_media_root(settings, tmp_path: Path) -> Path:
    """A MEDIA_ROOT the server cannot create files under (its parent is a regular file, which even root
    cannot write into, unlike a chmod-ed directory)."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings.MEDIA_ROOT = str(blocker / "media")
    return blocker / "media"


@pytest.mark.django_db
def test_upload_that_cannot_be_stored_gives_a_clear_message(platform_admin, unwritable_media_root) -> None:
    client = _client(platform_admin)
    client.raise_request_exception = False

    response = client.post(
        reverse("imports:job-list"),
        {"file": SimpleUploadedFile("faults.csv", CSV.encode()), "kind": "profiles"},
    )

    assert response.status_code == 400
    assert "could not be saved" in response.content.decode()
    assert not ImportJob.objects.exists()


class _DiskFillsUp(SimpleUploadedFile):
    """An upload whose second chunk meets a full disk, as a write to a full filesystem does."""

    def chunks(self, chunk_size=None):
        yield self.read(1024)
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.django_db
def test_an_upload_that_fills_the_disk_leaves_no_partial_file(
    platform_admin, settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    upload = _DiskFillsUp("full.csv", (CSV * 200).encode())

    with pytest.raises(OSError, match="No space left"):
        import_job_create(upload=upload, kind="profiles", user=platform_admin)

    assert (tmp_path / "media").exists()  # the first chunk was written, then removed
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == []
    assert not ImportJob.objects.exists()
