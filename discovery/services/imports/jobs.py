"""Import jobs: the browser flow (upload, mapping preview, start, run in a worker, rejected rows)."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import F
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from core.exceptions import ApplicationError
from core.exports import safe_cell
from core.queue import QueueUnavailable, enqueue
from discovery.importing import headers as hdr
from discovery.importing import readers
from discovery.models import (
    ImportJob,
)
from discovery.services.imports.run import import_file
from discovery.services.imports.summary import ALLOWED_SUFFIXES, ImportSummary

logger = logging.getLogger(__name__)


def import_job_create(
    *,
    upload: UploadedFile,
    kind: str,
    user: Any,
    platform: str = "",
    snapshot_date: dt.date | None = None,
    strict: bool = False,
) -> ImportJob:
    """Save an uploaded file as a pending job (size and type checked) and propose its column mapping."""
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationError(
            f"The file is {upload.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.1f} MB. "
            "Split it, or import it from the shell with manage.py import_profiles."
        )
    name = Path(upload.name or "upload").name
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ValidationError(
            f"'{name}' is not a supported file type; upload CSV, XLSX, JSON or JSON Lines "
            f"({', '.join(ALLOWED_SUFFIXES)})."
        )
    if kind not in hdr.KINDS:
        raise ValidationError(f"Unknown import kind {kind!r}.")
    job = ImportJob(
        original_name=name[:255],
        size_bytes=upload.size or 0,
        kind=kind,
        platform=platform or "",
        snapshot_date=snapshot_date,
        strict=strict,
        created_by=user,
    )
    # A name of its own, so a failed write (disk full, no permission) removes only this upload's file.
    stored = f"{uuid.uuid4().hex[:12]}-{name}"
    try:
        job.file.save(stored, upload, save=False)
    except OSError:
        partial = job.file.field.generate_filename(job, stored)
        if job.file.storage.exists(partial):
            job.file.storage.delete(partial)
        raise
    job.save()
    preview = import_job_preview(job=job)
    if preview.error:
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.FAILED, message=preview.error)
        job.refresh_from_db()
    else:
        job.rows_total = preview.rows_total
        job.save(update_fields=["rows_total", "updated_at"])
    return job


@dataclass
class MappingRow:
    """One canonical field in the preview: the columns chosen and a few sample values."""

    field: str
    required: bool
    columns: list[str]
    samples: list[str]


@dataclass
class ImportPreview:
    """The proposed mapping of a job's file, for the admin to confirm or correct."""

    mapping: hdr.ColumnMapping | None = None
    rows: list[MappingRow] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows_total: int = 0
    platform: str | None = None
    snapshot_date: dt.date | None = None
    error: str = ""


def import_job_preview(*, job: ImportJob, overrides: dict[str, Any] | None = None) -> ImportPreview:
    """Read the job's file header and sample and propose (or re-apply) the column mapping."""
    preview = ImportPreview()
    try:
        info = readers.open_file(Path(job.file.path), name=job.original_name)
        mapping = hdr.propose_mapping(job.kind, info.headers, info.sample)
        chosen = overrides if overrides is not None else (job.mapping or None)
        if chosen:
            hdr.apply_overrides(mapping, chosen)
            hdr.order_exact_first(mapping, info.sample)
    except (readers.ImportFileError, hdr.MappingError) as exc:
        preview.error = str(exc)
        return preview
    preview.mapping = mapping
    preview.headers = [" ".join(h.split()) or f"column {i + 1}" for i, h in enumerate(info.headers)]
    preview.rows_total = info.rows_total or 0
    preview.platform = job.platform or hdr.infer_platform(job.original_name, info.headers)
    preview.snapshot_date = job.snapshot_date or hdr.infer_snapshot_date(job.original_name)
    for name, spec in hdr.FIELDS[job.kind].items():
        positions = mapping.fields.get(name, [])
        samples = [
            " ".join(str(row[p]).split())[:60]
            for row in info.sample[:5]
            for p in positions[:1]
            if p < len(row) and str(row[p]).strip()
        ]
        preview.rows.append(
            MappingRow(name, spec.required, [mapping.column_label(p) for p in positions], samples)
        )
    preview.unknown = [mapping.column_label(p) for p in mapping.unknown]
    preview.ignored = [mapping.column_label(p) for p in mapping.ignored]
    preview.notes = list(mapping.notes)
    try:
        mapping.validate(platform_known=bool(preview.platform), date_known=preview.snapshot_date is not None)
    except hdr.MappingError as exc:
        preview.error = str(exc)
    return preview


def import_job_set_mapping(*, job: ImportJob, mapping: dict[str, Any]) -> ImportJob:
    """Check and store the admin's corrected mapping (``{field: [header, ...], "_ignore": [...]}``)."""
    if job.status != ImportJob.Status.PENDING:
        raise ApplicationError("This job has already started; its mapping can no longer change.")
    preview = import_job_preview(job=job, overrides=mapping)
    if preview.mapping is None or preview.error:
        raise ValidationError(preview.error or "The mapping cannot be applied.")
    job.mapping = {
        **preview.mapping.by_name(),
        "_ignore": [preview.mapping.headers[p] for p in preview.mapping.ignored],
    }
    job.save(update_fields=["mapping", "updated_at"])
    return job


QUEUE_DOWN_WAITING = (
    "The queue is down, so the import could not start yet. Your file is saved and the job will start by "
    "itself as soon as the queue is back (checked every minute)."
)


def import_job_start(*, job: ImportJob) -> ImportJob:
    """Queue a job; when the broker is down the job waits, pending, and starts once the broker is back."""
    from discovery.tasks import import_file_task

    # A running job whose worker died, a failed one, or a queued one whose message was lost (Redis keeps
    # no queue across a restart) may be started again: it resumes after its last committed chunk; a
    # second task racing a live one stops at its first checkpoint, or finds the job finished.
    startable = [
        ImportJob.Status.PENDING,
        ImportJob.Status.QUEUED,
        ImportJob.Status.RUNNING,
        ImportJob.Status.FAILED,
    ]
    if job.status not in startable:
        raise ApplicationError(f"This job is {job.get_status_display().lower()}; it cannot start again.")
    # Queued before the task is published: a worker can claim the job (-> running) within milliseconds
    # of the publish, and marking it queued afterwards overwrote that claim, leaving a running job shown
    # as queued (and, once its worker died, never startable again).
    ImportJob.objects.filter(pk=job.pk, status__in=startable).update(
        status=ImportJob.Status.QUEUED, queued_at=timezone.now(), start_requested_at=None, message=""
    )
    try:
        enqueue(import_file_task, job_id=job.pk)
    except QueueUnavailable as exc:
        ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.PENDING, start_requested_at=timezone.now(), message=QUEUE_DOWN_WAITING
        )
        raise QueueUnavailable(QUEUE_DOWN_WAITING, extra={"job": job.pk}) from exc
    job.refresh_from_db()
    return job


def import_jobs_start_waiting() -> int:
    """Start the jobs an admin asked to start while the queue was down (beat, every minute).

    Returns how many were queued; with the queue still down they keep waiting, untouched.
    """
    waiting = ImportJob.objects.filter(status=ImportJob.Status.PENDING, start_requested_at__isnull=False)
    started = 0
    for job in waiting.order_by("start_requested_at"):
        try:
            import_job_start(job=job)
        except QueueUnavailable:
            logger.info("queue still down: %s import jobs keep waiting", waiting.count())
            break
        started += 1
    return started


def import_job_claim(*, job_id: int) -> bool:
    """Mark a job running for the worker about to run it (one conditional update); False when it is
    gone or already finished."""
    claimable = [
        ImportJob.Status.PENDING,
        ImportJob.Status.QUEUED,
        ImportJob.Status.RUNNING,
        ImportJob.Status.FAILED,
    ]
    claimed = ImportJob.objects.filter(pk=job_id, status__in=claimable).update(
        status=ImportJob.Status.RUNNING,
        started_at=Coalesce(F("started_at"), Now()),
        attempts=F("attempts") + 1,
    )
    return bool(claimed)


def import_job_run(*, job_id: int) -> ImportSummary | None:
    """Run or resume a job (claimed by a conditional update); None if it is gone or already finished."""
    if not import_job_claim(job_id=job_id):
        return None
    job = ImportJob.objects.get(pk=job_id)
    mapping = {k: val for k, val in (job.mapping or {}).items() if val}

    def progress(done: int, total: int) -> None:
        if job.strict:
            ImportJob.objects.filter(pk=job.pk).update(rows_done=done, rows_total=total)

    try:
        summary = import_file(
            path=Path(job.file.path),
            kind=job.kind,
            platform=job.platform or None,
            snapshot_date=job.snapshot_date,
            mapping=mapping or None,
            strict=job.strict,
            job=job,
            name=job.original_name,
            progress=progress,
        )
    except ApplicationError as exc:
        logger.info("import job %s stopped: %s", job_id, exc.message)
        return None
    except Exception as exc:
        logger.exception("import job %s crashed", job_id)
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportJob.Status.FAILED,
            message=f"The import stopped on an internal error: {exc}",
            finished_at=Now(),
        )
        raise
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportJob.Status.SUCCEEDED if summary.ok else ImportJob.Status.FAILED,
        message=summary.message,
        rows_total=summary.total,
        rows_done=summary.total if summary.ok else summary.rows_done,
        **summary.job_fields(),
        finished_at=Now(),
    )
    return summary


def _csv_cell(value: Any) -> str:
    """A rejected-row cell as text, neutralised against spreadsheet formula injection."""
    return safe_cell("" if value is None else str(value))


def import_job_rejected_rows(*, job: ImportJob) -> Iterator[list[str]]:
    """The rejected rows as CSV rows: the file's header plus ``_row`` and ``_error``, cells neutralised."""
    headers = list((job.summary or {}).get("headers") or [])
    if not headers:
        try:
            headers = readers.open_file(Path(job.file.path), name=job.original_name).headers
        except readers.ImportFileError:
            headers = []
    yield [_csv_cell(" ".join(h.split())) for h in headers] + ["_row", "_error"]
    for item in job.rejected_rows:
        cells = list(item.get("cells") or [])
        cells += [""] * (len(headers) - len(cells))
        yield [_csv_cell(c) for c in cells] + [str(item.get("row", "")), _csv_cell(item.get("reason", ""))]
