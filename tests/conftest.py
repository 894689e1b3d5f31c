"""Shared fixtures: personas, real services (worker, browser)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.services import ARTIFACTS, WorkerProcess, redis_url, test_database_url


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[WorkerProcess]:
    """A real Celery worker process on Redis, reading and writing the test database.

    Tests using it see committed data only, hence ``transactional_db``.
    """
    redis_url()
    from config.celery import app

    app.control.purge()
    worker = WorkerProcess(test_database_url(), ARTIFACTS / "worker.log")
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
