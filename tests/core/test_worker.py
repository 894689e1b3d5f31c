"""A real worker consumes the real broker."""

from __future__ import annotations

import pytest

from core.tasks import ping_task


@pytest.mark.integration
def test_real_worker_answers_a_task_sent_through_redis(celery_worker) -> None:
    # given a worker process on Redis (fixture)
    # when a task is sent through the broker and its result awaited via a control round-trip
    from config.celery import app

    result = app.control.ping(timeout=2.0)

    # then the worker we started replied, and the task runs in it (not in this process)
    assert any(celery_worker.name in name for reply in result for name in reply)
    assert ping_task.apply_async().id
