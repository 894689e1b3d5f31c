"""Send work to the Celery queue, turning a broker outage into a clear, catchable error."""

from __future__ import annotations

import logging
from typing import Any

from celery import Task

from core.exceptions import ApplicationError

logger = logging.getLogger(__name__)


class QueueUnavailable(ApplicationError):
    """The broker did not take the task (Redis down, filesystem queue unwritable)."""


def enqueue(task: Task, **kwargs: Any) -> None:
    """Send ``task`` now, without kombu's connection retries, or raise QueueUnavailable."""
    try:
        task.apply_async(kwargs=kwargs, retry=False)
    except Exception as exc:  # kombu/redis raise many connection error types; all mean "not queued"
        logger.warning("task %s not queued: %s", task.name, exc)
        raise QueueUnavailable(
            "The queue is down, so the work could not start. Nothing was lost: try again in a minute.",
            extra={"task": task.name},
        ) from exc
