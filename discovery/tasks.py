"""Celery entry points of discovery (thin: ids in, one service call)."""

from __future__ import annotations

from celery import shared_task

from discovery.services.imports import import_job_run, import_jobs_start_waiting


@shared_task(acks_late=True, reject_on_worker_lost=True)
def import_file_task(job_id: int) -> str:
    """Run (or resume after a crash) the import job ``job_id``; re-running it gives the same end state."""
    summary = import_job_run(job_id=job_id)
    return "skipped" if summary is None else summary.status


@shared_task
def start_waiting_imports_task() -> int:
    """Queue the imports whose start was asked for while the broker was down (beat, every minute)."""
    return import_jobs_start_waiting()
