"""Running an import of creator data: profiles, follower snapshots, posts and follower samples.

Every row of a file is accounted for: ``created + updated + unchanged + rejected == total``.
Rows are upserted in chunks, each in its own transaction together with the job's checkpoint, so a
killed worker resumes after the last committed chunk with no duplicates; ``strict`` runs the whole
file in one transaction and rolls it back if any row is rejected.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DataError, IntegrityError, connection, transaction
from django.db.models.functions import Now
from django.utils import timezone

from core.exceptions import ApplicationError
from discovery.importing import headers as hdr
from discovery.importing import readers
from discovery.importing import values as v
from discovery.importing.rows import ParsedRows, parse_frame
from discovery.models import (
    ImportJob,
)
from discovery.services.imports.summary import CHUNK_ROWS, MAX_REJECTED_KEPT, ImportSummary, _is_duplicate
from discovery.services.imports.writers import WRITERS, _ProfileWriter, _Writer

logger = logging.getLogger(__name__)


def import_file(
    *,
    path: Path | str,
    kind: str,
    platform: str | None = None,
    snapshot_date: dt.date | None = None,
    mapping: dict[str, Any] | None = None,
    strict: bool = False,
    job: ImportJob | None = None,
    name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = CHUNK_ROWS,
) -> ImportSummary:
    """Import one file of ``kind`` (profiles, snapshots, posts, followers) and say what happened."""
    started = time.monotonic()
    path = Path(path)
    name = name or path.name
    summary = ImportSummary(kind=kind, file=name, strict=strict)
    try:
        plan = _plan(
            path=path, name=name, kind=kind, platform=platform, snapshot_date=snapshot_date, mapping=mapping
        )
    except (readers.ImportFileError, hdr.MappingError, v.ValueProblem) as exc:
        summary.seconds = round(time.monotonic() - started, 3)
        return summary.fail(str(exc))
    _describe(summary, plan)
    skip = 0
    if job is not None and job.checkpoint_row and job.chunk_size == chunk_size and not strict and job.summary:
        summary = ImportSummary.from_state(job.summary)
        summary.rejected_rows = list(job.rejected_rows)
        skip = job.checkpoint_row
    writer = WRITERS[kind](summary=summary, platform=plan.platform, snapshot_date=plan.snapshot_date)
    if job is not None:
        job.chunk_size = chunk_size
    try:
        if strict:
            _run_strict(plan, writer, summary, chunk_size=chunk_size, job=job, progress=progress)
        else:
            _run_chunks(plan, writer, summary, chunk_size=chunk_size, skip=skip, job=job, progress=progress)
    except readers.ImportFileError as exc:
        summary.fail(f"{exc} Rows before that point were imported." if not strict else str(exc))
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


@dataclass
class _Plan:
    """A file opened and mapped, ready to read."""

    info: readers.FileInfo
    mapping: hdr.ColumnMapping
    platform: str | None
    snapshot_date: dt.date | None


def _plan(
    *,
    path: Path,
    name: str,
    kind: str,
    platform: str | None,
    snapshot_date: dt.date | None,
    mapping: dict[str, Any] | None,
) -> _Plan:
    """Open the file, map its columns, and resolve the file-wide platform and snapshot date."""
    if kind not in hdr.KINDS:
        raise hdr.MappingError(f"Unknown import kind {kind!r}; use one of {', '.join(hdr.KINDS)}.")
    info = readers.open_file(path, name=name)
    platform = v.parse_platform(platform) if platform else hdr.infer_platform(name, info.headers)
    if snapshot_date is None:
        snapshot_date = hdr.infer_snapshot_date(name)
    elif snapshot_date > timezone.now().date() + dt.timedelta(days=1):
        raise v.ValueProblem(f"The snapshot date {snapshot_date} is in the future.")
    column_mapping = hdr.propose_mapping(kind, info.headers, info.sample)
    if mapping:
        hdr.apply_overrides(column_mapping, mapping)
        hdr.order_exact_first(column_mapping, info.sample)
    column_mapping.validate(platform_known=platform is not None, date_known=snapshot_date is not None)
    return _Plan(info=info, mapping=column_mapping, platform=platform, snapshot_date=snapshot_date)


def _describe(summary: ImportSummary, plan: _Plan) -> None:
    """Record what the reader and mapper decided."""
    summary.total = plan.info.rows_total or 0
    summary.blank_rows = plan.info.blank_rows
    summary.format = plan.info.format
    summary.encoding = plan.info.encoding if plan.info.format in {"csv", "jsonl"} else "utf-8"
    summary.platform = plan.platform
    summary.snapshot_date = plan.snapshot_date.isoformat() if plan.snapshot_date else None
    summary.headers = list(plan.info.headers)
    summary.mapping = {k: [" ".join(h.split()) for h in hs] for k, hs in plan.mapping.by_name().items()}
    summary.ignored_columns = [plan.mapping.column_label(i) for i in plan.mapping.ignored]
    summary.notes = list(plan.mapping.notes)
    if plan.info.blank_rows:
        summary.notes.append(f"{plan.info.blank_rows} entirely blank row(s) skipped; they are not data rows.")


def _chunks(plan: _Plan, chunk_size: int, skip: int, writer: _Writer) -> Iterator[tuple[ParsedRows, int]]:
    """Parsed chunks and the last data row number each covers, read and parsed ahead in a thread.

    Reading and parsing touch no database, so the next chunk is parsed while the database writes this
    one (psycopg2 releases the GIL while it waits): an import's wall time becomes about the larger of
    the two instead of their sum. At most ``_PREFETCH`` parsed chunks wait, so memory stays flat.
    """
    prepare = writer.prepare if connection.vendor == "postgresql" else None
    return _prefetched(_parsed_chunks(plan, chunk_size, skip, prepare))


def _parsed_chunks(
    plan: _Plan, chunk_size: int, skip: int, prepare: Callable[[ParsedRows], None] | None
) -> Iterator[tuple[ParsedRows, int]]:
    """Parsed chunks and the last data row number each covers; clean chunks prepared for the
    writer's set-based path (``prepare`` uses no database)."""
    for frame, bad_rows in readers.iter_chunks(plan.info, chunk_size=chunk_size, skip_rows=skip):
        parsed = parse_frame(frame, plan.mapping)
        for bad in bad_rows:
            parsed.raw[bad.row] = bad.cells
            parsed.reject(bad.row, "(row)", "", bad.reason)
        if prepare is not None and parsed.pristine:
            prepare(parsed)
        last = max([*parsed.rows, *(bad.row for bad in bad_rows), skip])
        yield parsed, last


# Parsed chunks allowed to wait for the writer (each is a few MB at the default chunk size).
_PREFETCH = 2
# Seconds a thread holding the GIL may run before a waiting one gets it, while a reading thread runs.
_SWITCH_INTERVAL = 0.0005
_DONE = object()


class _Failure:
    """An exception raised by the reading thread, re-raised in the writer's thread in its place."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def _prefetched(items: Iterator[Any]) -> Iterator[Any]:
    """Yield ``items`` in order, produced by a background thread at most ``_PREFETCH`` ahead.

    An exception of the producer (a file that turns out malformed half-way) is raised here after the
    items before it, as the plain iterator would. When the consumer stops early (an error while
    writing, a killed task) the producer is told to stop and the thread ends.
    """
    pending: queue.Queue[Any] = queue.Queue(maxsize=_PREFETCH)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it in its place
            put(_Failure(exc))
            return
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()
        put(_DONE)

    thread = threading.Thread(target=produce, name="import-reader", daemon=True)
    # The writer waits on the database many times a chunk, and each time takes the GIL back from the
    # reading thread: by default after up to 5 ms, which was a fifth of a snapshot import's wall time.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, _SWITCH_INTERVAL))
    thread.start()
    try:
        while True:
            item = pending.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item
    finally:
        stop.set()
        thread.join()
        sys.setswitchinterval(interval)


def _run_chunks(
    plan: _Plan,
    writer: _Writer,
    summary: ImportSummary,
    *,
    chunk_size: int,
    skip: int,
    job: ImportJob | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    """One transaction per chunk, committed together with the job's checkpoint."""
    with closing(_chunks(plan, chunk_size, skip, writer)) as chunks:
        for parsed, last in chunks:
            _write_committed(writer, parsed, summary, last, job=job, progress=progress)


def _write_committed(
    writer: _Writer,
    parsed: ParsedRows,
    summary: ImportSummary,
    last: int,
    *,
    job: ImportJob | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Write one chunk and its checkpoint in one transaction."""
    with transaction.atomic():
        _relaxed_commit()
        _write_chunk(writer, parsed, summary)
        summary.rows_done = last
        if job is not None:
            _checkpoint(job, summary, last)
    if progress is not None:
        progress(last, summary.total)


def _relaxed_commit() -> None:
    """Let PostgreSQL acknowledge this transaction's commit before its WAL reaches disk.

    A chunk and its checkpoint commit together, so a database crash can only lose whole recent chunks,
    which the job then re-imports on resume (upserts); the wait for the disk flush was about a tenth of
    an import's wall time (py-spy, 100k posts).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


class _StrictRollback(Exception):
    """Raised inside the strict transaction to undo every write."""


def _run_strict(
    plan: _Plan,
    writer: _Writer,
    summary: ImportSummary,
    *,
    chunk_size: int,
    job: ImportJob | None,
    progress: Callable[[int, int], None] | None,
) -> None:
    """All chunks in one transaction; any rejected row (duplicates aside) rolls everything back."""
    try:
        with transaction.atomic(), closing(_chunks(plan, chunk_size, 0, writer)) as chunks:
            for parsed, last in chunks:
                _write_chunk(writer, parsed, summary)
                summary.rows_done = last
                if progress is not None:
                    progress(last, summary.total)
            failed = [e for e in summary.errors if e["severity"] == "error"]
            if failed or summary.errors_not_listed:
                raise _StrictRollback
    except _StrictRollback:
        summary.committed = False
        summary.new_niches = []
        summary.fail(
            f"Strict mode: {summary.rejected - summary.duplicates} row(s) rejected, so nothing was imported. "
            "Fix the rows listed in errors (or import without strict mode)."
        )
    except readers.ImportFileError:
        summary.committed = False
        raise


def _write_chunk(writer: _Writer, parsed: ParsedRows, summary: ImportSummary) -> None:
    """Write one chunk: set-based when the writer can, else row-keyed; if the database refuses the
    batch, retry row by row and reject the bad ones."""
    counts = _write_set_based(writer, parsed)
    if counts is None:
        counts = Counter(_write_by_row(writer, parsed).values())
    summary.add_problems(parsed.problems)
    for status, count in counts.items():
        setattr(summary, status, getattr(summary, status) + count)
    for row, reason in sorted(parsed.rejected.items()):
        summary.rejected += 1
        if _is_duplicate(reason):
            summary.duplicates += 1
        if len(summary.rejected_rows) < MAX_REJECTED_KEPT:
            cells = ["" if c is None else str(c) for c in parsed.raw.get(row, [])]
            summary.rejected_rows.append({"row": row, "cells": cells, "reason": reason})


def _write_set_based(writer: _Writer, parsed: ParsedRows) -> Counter[str] | None:
    """The writer's set-based path for a clean chunk; None when it declines (or the database refused)."""
    if not parsed.pristine or connection.vendor != "postgresql":
        return None
    try:
        with transaction.atomic():
            return writer.write_set_based(parsed)
    except (IntegrityError, DataError):
        # Nothing of the chunk is kept; the row-keyed path below finds and reports the bad rows.
        logger.info("set-based write refused by the database; retrying the chunk row by row")
        if isinstance(writer, _ProfileWriter):
            writer.niches = None
        parsed.restart()
        return None


def _write_by_row(writer: _Writer, parsed: ParsedRows) -> dict[int, str]:
    """Row-keyed write; if the database refuses the batch, retry row by row and reject the bad ones."""
    try:
        with transaction.atomic():
            return writer.write(parsed)
    except (IntegrityError, DataError):
        # The batch was rolled back: forget niches cached from it before retrying row by row.
        if isinstance(writer, _ProfileWriter):
            writer.niches = None
        statuses: dict[int, str] = {}
        for row in sorted(parsed.records):
            single = ParsedRows(records={row: parsed.records[row]}, raw={row: parsed.raw[row]})
            try:
                with transaction.atomic():
                    statuses.update(writer.write(single))
            except (IntegrityError, DataError) as exc:
                parsed.reject(row, "(row)", "", f"the database refused this row: {str(exc).splitlines()[0]}")
            parsed.problems.extend(single.problems)
            for r, reason in single.rejected.items():
                parsed.rejected.setdefault(r, reason)
        return statuses


def _checkpoint(job: ImportJob, summary: ImportSummary, last_row: int) -> None:
    """Save progress in the chunk's transaction; another worker that got further makes this one stop."""
    updated = ImportJob.objects.filter(pk=job.pk, checkpoint_row=job.checkpoint_row).update(
        checkpoint_row=last_row,
        rows_done=last_row,
        rows_total=summary.total,
        chunk_size=job.chunk_size,
        **summary.job_fields(),
        updated_at=Now(),
    )
    if not updated:
        raise ApplicationError("Another worker has taken over this import job.", extra={"job": job.pk})
    job.checkpoint_row = last_row
