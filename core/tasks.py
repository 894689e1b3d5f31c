"""Core Celery tasks."""

from __future__ import annotations

from celery import shared_task


@shared_task
def ping_task() -> str:
    """Answer 'pong': lets tests and health checks see a worker consume the queue."""
    return "pong"
