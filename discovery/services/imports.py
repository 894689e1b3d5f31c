"""Imports of creator data: profiles, follower snapshots, posts and follower samples.

Every row of a file is accounted for: ``created + updated + unchanged + rejected == total``.
Rows are upserted in chunks, each in its own transaction together with the job's checkpoint, so a
killed worker resumes after the last committed chunk with no duplicates; ``strict`` runs the whole
file in one transaction and rolls it back if any row is rejected.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import F, Model
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from core.exceptions import ApplicationError
from core.exports import safe_cell
from core.queue import QueueUnavailable, enqueue
from discovery.importing import headers as hdr
from discovery.importing import readers
from discovery.importing import values as v
from discovery.importing.rows import CellProblem, ParsedRows, parse_frame
from discovery.models import (
    Creator,
    FollowerSample,
    FollowerSnapshot,
    ImportJob,
    Niche,
    Post,
    Profile,
)

logger = logging.getLogger(__name__)

# Rows parsed and written per transaction. 5,000 keeps a chunk's queries and memory small
# (a few MB) while the per-chunk overhead (existing-row lookups, checkpoint) stays under 5 %.
CHUNK_ROWS = 5_000
# Rows per INSERT ... ON CONFLICT statement.
BATCH_ROWS = 1_000
MAX_ERRORS_KEPT = 10_000
MAX_REJECTED_KEPT = 10_000
ALLOWED_SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx", ".json", ".jsonl", ".ndjson")

PROFILE_DESCRIPTIVE = ("name", "bio", "country", "language", "url", "email", "verified")
PROFILE_STATS = (
    "followers",
    "following",
    "posts_count",
    "avg_likes",
    "avg_comments",
    "avg_views",
    "avg_shares",
    "avg_engagements",
    "imported_er",
    "audience_countries",
    "audience_main_country",
    "audience_female_pct",
    "audience_age_main",
)
PROFILE_FIELDS = (*PROFILE_DESCRIPTIVE, *PROFILE_STATS, "stats_as_of")
PROFILE_DEFAULTS: dict[str, Any] = {
    "name": "",
    "bio": "",
    "country": "",
    "language": "",
    "url": "",
    "email": "",
    "verified": False,
    "audience_countries": {},
    "audience_main_country": "",
    "audience_age_main": "",
}
POST_COUNTS = ("likes", "comments", "shares", "saves", "views")
POST_FIELDS = ("posted_at", "kind", *POST_COUNTS, "is_sponsored", "caption", "hashtags", "mentions")
SAMPLE_FIELDS = {
    "follower_posts": "posts",
    "follower_following": "following",
    "follower_followers": "followers",
    "has_profile_picture": "has_profile_picture",
    "is_private": "is_private",
}
# Categories of the 2022 vendor files that mean an existing niche of the taxonomy (used when it exists).
NICHE_ALIASES = {
    "fitness-gym": "fitness",
    "food-cooking": "food",
    "food-drinks": "food",
    "video-games": "gaming",
    "science-technology": "tech",
    "computers-gadgets": "tech",
    "clothing-outfits": "fashion",
    "humor": "comedy",
    "humor-fun-happiness": "comedy",
    "comics-sketches": "comedy",
    "animals-pets": "pets",
    "animals": "pets",
    "finance-economics": "finance",
    "design-art": "art-design",
    "art-artists": "art-design",
    "diy-design": "diy",
    "diy-life-hacks": "diy",
    "literature-journalism": "books",
    "health-self-help": "wellness",
    "nature-landscapes": "outdoors",
    "extreme-sports-outdoor-activity": "outdoors",
    "music-dance": "music",
    "kids-toys": "parenting",
    "family": "parenting",
    "cars-motorbikes": "automotive",
    "autos-vehicles": "automotive",
}
DEFAULT_POST_KIND = {"instagram": "photo", "tiktok": "video", "youtube": "video"}


@dataclass
class ImportSummary:
    """What an import did; ``created + updated + unchanged + rejected == total``."""

    kind: str
    file: str = ""
    status: str = "ok"
    message: str = ""
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    warnings: int = 0
    blank_rows: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    errors_not_listed: int = 0
    snapshots: dict[str, int] = field(default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0})
    new_niches: list[str] = field(default_factory=list)
    platform: str | None = None
    snapshot_date: str | None = None
    format: str = ""
    encoding: str = ""
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, list[str]] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    strict: bool = False
    committed: bool = True
    seconds: float = 0.0
    rows_done: int = 0
    rejected_rows: list[dict[str, Any]] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        """True when the import ran and its writes are committed."""
        return self.status == "ok"

    def as_dict(self) -> dict[str, Any]:
        """The JSON summary (the contract of ``import_profiles --json``); rejected rows excluded."""
        data = asdict(self)
        data.pop("rejected_rows")
        return data

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> ImportSummary:
        """Rebuild a summary saved by a job checkpoint."""
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def fail(self, message: str) -> ImportSummary:
        """Mark the import failed with a message for the admin; nothing more is written."""
        self.status = "failed"
        self.message = message
        return self

    def add_problems(self, problems: list[CellProblem]) -> None:
        """Keep the problems (up to MAX_ERRORS_KEPT; the rest are counted)."""
        for problem in problems:
            if problem.severity == "warning":
                self.warnings += 1
            if len(self.errors) < MAX_ERRORS_KEPT:
                self.errors.append(problem.as_dict())
            else:
                self.errors_not_listed += 1


def _is_duplicate(reason: str) -> bool:
    return reason.startswith("duplicate")


# --- the import --------------------------------------------------------------------------------


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


def _chunks(plan: _Plan, chunk_size: int, skip: int) -> Iterator[tuple[ParsedRows, int]]:
    """Parsed chunks and the last data row number each covers."""
    for frame, bad_rows in readers.iter_chunks(plan.info, chunk_size=chunk_size, skip_rows=skip):
        parsed = parse_frame(frame, plan.mapping)
        for bad in bad_rows:
            parsed.raw[bad.row] = bad.cells
            parsed.reject(bad.row, "(row)", "", bad.reason)
        last = max([*parsed.raw.keys(), skip])
        yield parsed, last


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
    for parsed, last in _chunks(plan, chunk_size, skip):
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
        with transaction.atomic():
            for parsed, last in _chunks(plan, chunk_size, 0):
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
    """Write one chunk; if the database refuses the batch, retry row by row and reject the bad ones."""
    try:
        with transaction.atomic():
            statuses = writer.write(parsed)
    except (IntegrityError, DataError):
        # The batch was rolled back: forget niches cached from it before retrying row by row.
        if isinstance(writer, _ProfileWriter):
            writer.niches = None
        statuses = {}
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
    summary.add_problems(parsed.problems)
    for status in statuses.values():
        setattr(summary, status, getattr(summary, status) + 1)
    for row, reason in sorted(parsed.rejected.items()):
        summary.rejected += 1
        if _is_duplicate(reason):
            summary.duplicates += 1
        if len(summary.rejected_rows) < MAX_REJECTED_KEPT:
            cells = ["" if c is None else str(c) for c in parsed.raw.get(row, [])]
            summary.rejected_rows.append({"row": row, "cells": cells, "reason": reason})


def _checkpoint(job: ImportJob, summary: ImportSummary, last_row: int) -> None:
    """Save progress in the chunk's transaction; another worker that got further makes this one stop."""
    updated = ImportJob.objects.filter(pk=job.pk, checkpoint_row=job.checkpoint_row).update(
        checkpoint_row=last_row,
        rows_done=last_row,
        rows_total=summary.total,
        chunk_size=job.chunk_size,
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        rejected=summary.rejected,
        errors=summary.errors,
        rejected_rows=summary.rejected_rows,
        summary=summary.as_dict(),
        updated_at=Now(),
    )
    if not updated:
        raise ApplicationError("Another worker has taken over this import job.", extra={"job": job.pk})
    job.checkpoint_row = last_row


# --- writers -----------------------------------------------------------------------------------


class _Writer:
    """Upserts one chunk of one kind; returns each kept row's status (created/updated/unchanged)."""

    key_fields: tuple[str, ...] = ("handle",)

    def __init__(
        self, *, summary: ImportSummary, platform: str | None, snapshot_date: dt.date | None
    ) -> None:
        self.summary = summary
        self.platform = platform
        self.snapshot_date = snapshot_date

    def write(self, parsed: ParsedRows) -> dict[int, str]:
        """Validate keys, drop superseded duplicates, then upsert."""
        keyed: dict[tuple[Any, ...], int] = {}
        for row in sorted(parsed.records):
            record = parsed.records[row]
            key = self.key_of(row, record, parsed)
            if key is None:
                continue
            if key in keyed:
                earlier = keyed[key]
                parsed.problems.append(
                    CellProblem(
                        earlier,
                        "(row)",
                        " / ".join(str(k) for k in key),
                        f"duplicate key {key!r}: superseded by row {row} (the last row wins)",
                        severity="duplicate",
                    )
                )
                parsed.rejected[earlier] = f"duplicate of row {row} (the last row wins)"
                parsed.records.pop(earlier, None)
            keyed[key] = row
        if not keyed:
            return {}
        return self.upsert(parsed, keyed)

    def key_of(self, row: int, record: dict[str, Any], parsed: ParsedRows) -> tuple[Any, ...] | None:
        """The row's natural key, or None after rejecting the row."""
        platform = record.get("platform") or self.platform
        if not platform:
            parsed.reject(
                row, "platform", "", "no platform: add a platform column or choose one for the file"
            )
            return None
        record["platform"] = platform
        for name in self.key_fields:
            if record.get(name) in (None, ""):
                parsed.reject(row, name, "", f"{name} is required but empty")
                return None
        return (platform, *(record[name] for name in self.key_fields))

    def upsert(self, parsed: ParsedRows, keyed: dict[tuple[Any, ...], int]) -> dict[int, str]:
        raise NotImplementedError

    def profiles_for(
        self, parsed: ParsedRows, keyed: dict[tuple[Any, ...], int]
    ) -> dict[tuple[str, str], dict[str, Any]]:
        """The stored accounts of the chunk's (platform, handle) pairs; rows of unknown accounts rejected."""
        wanted: dict[str, set[str]] = {}
        for key in keyed:
            wanted.setdefault(key[0], set()).add(key[1])
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for platform, handles in wanted.items():
            for item in Profile.objects.filter(platform=platform, handle__in=handles).values(
                "id", "handle", "stats_as_of", "followers", "following", "posts_count"
            ):
                found[(platform, item["handle"])] = item
        for key, row in list(keyed.items()):
            if (key[0], key[1]) not in found:
                parsed.reject(
                    row,
                    "handle",
                    key[1],
                    f"no {key[0]} account '{key[1]}' in the catalogue; import its profile first",
                )
                del keyed[key]
        return found


def _mark_dirty(profile_ids: set[int]) -> None:
    """Flag accounts for rescoring (only those not flagged yet, to keep the write small)."""
    ids = list(profile_ids)
    for start in range(0, len(ids), BATCH_ROWS):
        Profile.objects.filter(id__in=ids[start : start + BATCH_ROWS], score_dirty=False).update(
            score_dirty=True
        )


class _ProfileWriter(_Writer):
    """Profiles keyed (platform, handle); a dated row also records that day's snapshot."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.niches: dict[str, int] | None = None

    def upsert(self, parsed: ParsedRows, keyed: dict[tuple[Any, ...], int]) -> dict[int, str]:
        existing = self._existing(keyed)
        links = self._links([item["id"] for item in existing.values()])
        statuses: dict[int, str] = {}
        rows: list[list[Any]] = []
        new_creators: list[tuple[list[Any], tuple[str, str, str]]] = []
        wanted_niches: dict[tuple[str, str], set[int]] = {}
        snapshot_rows: list[tuple[tuple[str, str], int, dict[str, Any], dt.date]] = []
        for key, row in keyed.items():
            record = parsed.records[row]
            old = existing.get(key)
            new, row_date = self._merge(record, old)
            niche_ids = self._niche_ids(record.get("niches") or [])
            added = niche_ids - links.get(old["id"], set()) if old else niche_ids
            if old is None:
                statuses[row] = "created"
            elif added or any(new[f] != old[f] for f in PROFILE_FIELDS):
                statuses[row] = "updated"
            else:
                statuses[row] = "unchanged"
            if added:
                wanted_niches[key] = added
            if row_date is not None and record.get("followers") is not None:
                snapshot_rows.append((key, row, record, row_date))
            if statuses[row] == "unchanged":
                continue
            values = [key[0], key[1], True, old["creator_id"] if old else None, *map(new.get, PROFILE_FIELDS)]
            if old is None:
                new_creators.append((values, (new["name"] or key[1], new["country"], new["language"])))
            rows.append(values)
        if new_creators:
            creator_ids = _creators_create([creator for _, creator in new_creators])
            for (values, _), creator_id in zip(new_creators, creator_ids, strict=True):
                values[3] = creator_id
        written = _upsert_rows(
            Profile,
            ["platform", "handle", "score_dirty", "creator_id", *PROFILE_FIELDS],
            [tuple(values) for values in rows],
            unique_fields=["platform", "handle"],
            update_fields=[*PROFILE_FIELDS, "score_dirty", "updated_at"],
            returning=["platform", "handle", "id"],
        )
        ids = {key: item["id"] for key, item in existing.items()}
        if wanted_niches or snapshot_rows:
            if written is not None:
                ids.update({(platform, handle): pk for platform, handle, pk in written})
            else:
                ids.update(self._ids_of({k for k in keyed if k not in ids}))
        if wanted_niches:
            _upsert_rows(
                Profile.niches.through,
                ["profile_id", "niche_id"],
                [(ids[k], n) for k, added in wanted_niches.items() for n in added],
                unique_fields=["profile", "niche"],
                update_fields=[],
            )
        if snapshot_rows:
            counts = _upsert_snapshots(
                [
                    (row, ids[key], day, rec.get("followers"), rec.get("following"), rec.get("posts_count"))
                    for key, row, rec, day in snapshot_rows
                ]
            )
            for status in counts.values():
                self.summary.snapshots[status] += 1
        return statuses

    def _merge(
        self, record: dict[str, Any], old: dict[str, Any] | None
    ) -> tuple[dict[str, Any], dt.date | None]:
        """The stored values after this row: descriptive fields when given; stats only if not older."""
        new = dict(old) if old else {**dict.fromkeys(PROFILE_FIELDS), **PROFILE_DEFAULTS}
        if old is None:
            new["audience_countries"] = {}
        row_date = record.get("snapshot_date") or self.snapshot_date
        for name in PROFILE_DESCRIPTIVE:
            value = record.get(name)
            if value not in (None, ""):
                new[name] = value
        as_of = old["stats_as_of"] if old else None
        # Counts are "latest known": an older file (or an undated one over dated data) never overwrites them.
        if as_of is None or (row_date is not None and row_date >= as_of):
            given = False
            for name in PROFILE_STATS:
                value = record.get(name)
                if value not in (None, "", {}):
                    new[name] = value
                    given = True
            if given and row_date is not None:
                new["stats_as_of"] = row_date
        return new, row_date

    def _existing(self, keyed: dict[tuple[Any, ...], int]) -> dict[tuple[str, str], dict[str, Any]]:
        wanted: dict[str, list[str]] = {}
        for key in keyed:
            wanted.setdefault(key[0], []).append(key[1])
        found: dict[tuple[str, str], dict[str, Any]] = {}
        for platform, handles in wanted.items():
            for item in Profile.objects.filter(platform=platform, handle__in=handles).values(
                "id", "creator_id", "handle", *PROFILE_FIELDS
            ):
                found[(platform, item["handle"])] = item
        return found

    def _ids_of(self, keys: set[tuple[Any, ...]]) -> dict[tuple[str, str], int]:
        wanted: dict[str, list[str]] = {}
        for key in keys:
            wanted.setdefault(key[0], []).append(key[1])
        return {
            (platform, handle): pk
            for platform, handles in wanted.items()
            for handle, pk in Profile.objects.filter(platform=platform, handle__in=handles).values_list(
                "handle", "id"
            )
        }

    def _links(self, profile_ids: list[int]) -> dict[int, set[int]]:
        links: dict[int, set[int]] = {}
        if profile_ids:
            rows = Profile.niches.through.objects.filter(profile_id__in=profile_ids).values_list(
                "profile_id", "niche_id"
            )
            for profile_id, niche_id in rows:
                links.setdefault(profile_id, set()).add(niche_id)
        return links

    def _niche_ids(self, names: list[str]) -> set[int]:
        """Niche ids for category names: the taxonomy (slug, name, alias) first, else a new uncurated one."""
        if not names:
            return set()
        if self.niches is None:
            self.niches = {}
            for pk, slug, name in Niche.objects.values_list("id", "slug", "name"):
                self.niches[slug] = pk
                self.niches[name.lower()] = pk
        ids = set()
        for name in names:
            clean_name = " ".join(name.split())[:120]
            slug = v.niche_slug(clean_name)
            pk = self.niches.get(slug) or self.niches.get(clean_name.lower())
            if pk is None and NICHE_ALIASES.get(slug) in self.niches:
                pk = self.niches[NICHE_ALIASES[slug]]
            if pk is None:
                niche, created = Niche.objects.get_or_create(
                    slug=slug, defaults={"name": clean_name, "curated": False}
                )
                pk = niche.pk
                if created:
                    self.summary.new_niches.append(clean_name)
                self.niches[slug] = pk
                self.niches[clean_name.lower()] = pk
            ids.add(pk)
        return ids


def _creators_create(creators: list[tuple[str, str, str]]) -> list[int]:
    """Insert (name, country, language) creators and return their ids in the same order."""
    if connection.vendor != "postgresql":
        objects = [
            Creator(name=name, country=country, language=language) for name, country, language in creators
        ]
        return [c.pk for c in Creator.objects.bulk_create(objects, batch_size=BATCH_ROWS)]
    now = timezone.now().isoformat()
    with connection.cursor() as cursor:
        # Ids drawn from the table's sequence first, so each row's id is known without relying on the
        # order of RETURNING; the rows then go in with COPY (no conflict is possible on fresh ids).
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('discovery_creator', 'id')) FROM generate_series(1, %s)",
            [len(creators)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        buffer = io.StringIO(
            "".join(
                f"{pk}\t{name.translate(_COPY_ESCAPES)}\t{country.translate(_COPY_ESCAPES)}\t"
                f"{language.translate(_COPY_ESCAPES)}\t{now}\t{now}\n"
                for pk, (name, country, language) in zip(ids, creators, strict=True)
            )
        )
        cursor.copy_expert(
            'COPY "discovery_creator" ("id", "name", "country", "language", "created_at", "updated_at") '
            "FROM STDIN WITH (FORMAT text)",
            buffer,
        )
    return ids


def _bulk_upsert(
    model: type[Model], objects: list[Any], *, unique_fields: list[str], update_fields: list[str]
) -> None:
    """INSERT ... ON CONFLICT DO UPDATE of model instances, in batches.

    The portable path is ``bulk_create(update_conflicts=True)``. On PostgreSQL the rows are streamed with
    COPY into a temporary table and upserted from there in one statement: the same SQL semantics, without
    the ORM's per-value compilation, which was 60 % of an import's time (profiled on 42k posts).
    """
    if not objects:
        return
    if connection.vendor == "sqlite":
        _sqlite_upsert(model, objects, unique_fields=unique_fields, update_fields=update_fields)
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            objects,
            batch_size=BATCH_ROWS,
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=update_fields,
        )
        return
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and not getattr(f, "generated", False)
    ]
    now = timezone.now()
    buffer = io.StringIO()
    for obj in objects:
        buffer.write(",".join(_copy_value(f, obj, now) for f in fields))
        buffer.write("\n")
    buffer.seek(0)
    _copy_and_upsert(model, [f.column for f in fields], buffer, "csv", unique_fields, update_fields)


_COPY_NULL = "\\N"
# COPY's text format: backslash, tab, newline and carriage return are escaped inside values.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_converter(field: Any) -> Callable[[Any], str]:
    """A function writing one value of ``field`` in COPY's text format (chosen once per column)."""
    kind = field.get_internal_type()
    if kind == "JSONField":
        return lambda value: (
            _COPY_NULL if value is None else json.dumps(value, ensure_ascii=False).translate(_COPY_ESCAPES)
        )
    if kind == "BooleanField":
        return lambda value: _COPY_NULL if value is None else ("t" if value else "f")
    if kind in {"DateField", "DateTimeField"}:
        return lambda value: _COPY_NULL if value is None else value.isoformat()
    if kind in {"CharField", "TextField", "EmailField", "URLField", "SlugField"}:
        return lambda value: _COPY_NULL if value is None else str(value).translate(_COPY_ESCAPES)
    return lambda value: _COPY_NULL if value is None else str(value)


def _upsert_rows(
    model: type[Model],
    attnames: list[str],
    rows: list[tuple[Any, ...]],
    *,
    unique_fields: list[str],
    update_fields: list[str],
    returning: list[str] | None = None,
) -> list[tuple[Any, ...]] | None:
    """INSERT ... ON CONFLICT DO UPDATE of plain value tuples (``attnames`` order); other fields default.

    With ``returning`` (column names), PostgreSQL gives back those columns of every written row; other
    databases return None and the caller looks the rows up.

    On PostgreSQL the tuples go straight into COPY's text format, one converter per column and no model
    instances: building a model per row (``Model.__init__`` and its signals) and formatting each value
    by type was half of a snapshot import's CPU time (py-spy, 100k snapshots). Elsewhere the rows become
    instances for ``_bulk_upsert``.
    """
    if not rows:
        return [] if returning and connection.vendor == "postgresql" else None
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        if update_fields:
            _bulk_upsert(model, objects, unique_fields=unique_fields, update_fields=update_fields)
        else:
            model.objects.bulk_create(objects, batch_size=BATCH_ROWS, ignore_conflicts=True)
        return None
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and not getattr(f, "generated", False)
    ]
    given = {name: i for i, name in enumerate(attnames)}
    now = timezone.now()
    converters: list[tuple[int, Callable[[Any], str]]] = []
    constants: dict[int, str] = {}
    for position, f in enumerate(fields):
        convert = _copy_converter(f)
        if f.attname in given:
            converters.append((given[f.attname], convert))
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            constants[position] = convert(now)
        else:
            constants[position] = convert(f.get_default())
    lines = []
    if constants:
        template = [constants.get(p, "") for p in range(len(fields))]
        slots = [p for p in range(len(fields)) if p not in constants]
        for row in rows:
            values = template.copy()
            for slot, (index, convert) in zip(slots, converters, strict=True):
                values[slot] = convert(row[index])
            lines.append("\t".join(values))
    else:
        for row in rows:
            lines.append("\t".join([convert(row[index]) for index, convert in converters]))
    buffer = io.StringIO("\n".join(lines) + "\n")
    return _copy_and_upsert(
        model, [f.column for f in fields], buffer, "text", unique_fields, update_fields, returning
    )


def _copy_and_upsert(
    model: type[Model],
    columns: list[str],
    buffer: io.StringIO,
    copy_format: str,
    unique_fields: list[str],
    update_fields: list[str],
    returning: list[str] | None = None,
) -> list[tuple[Any, ...]]:
    """COPY the buffer into a session temp table, then one INSERT ... ON CONFLICT from it.

    No ``update_fields`` means DO NOTHING (links that may exist); ``returning`` columns are fetched.
    """
    table = model._meta.db_table
    quoted = ", ".join(f'"{c}"' for c in columns)
    conflict = ", ".join(f'"{model._meta.get_field(n).column}"' for n in unique_fields)
    updates = ", ".join(
        f'"{model._meta.get_field(n).column}" = EXCLUDED."{model._meta.get_field(n).column}"'
        for n in update_fields
    )
    action = f"DO UPDATE SET {updates}" if update_fields else "DO NOTHING"
    tail = " RETURNING " + ", ".join(f'"{c}"' for c in returning) if returning else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f'CREATE TEMP TABLE IF NOT EXISTS "import_{table}" ON COMMIT DELETE ROWS AS '
            f'SELECT {quoted} FROM "{table}" WITH NO DATA'
        )
        cursor.execute(f'TRUNCATE "import_{table}"')
        cursor.copy_expert(f'COPY "import_{table}" ({quoted}) FROM STDIN WITH (FORMAT {copy_format})', buffer)
        cursor.execute(
            f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM "import_{table}" '
            f"ON CONFLICT ({conflict}) {action}{tail}"
        )
        return cursor.fetchall() if returning else []


def _sqlite_upsert(
    model: type[Model], objects: list[Any], *, unique_fields: list[str], update_fields: list[str]
) -> None:
    """The statement ``bulk_create(update_conflicts=True)`` issues, run with ``executemany``.

    The ORM compiles every value through several layers; for a 100k-row posts file that was most of
    the import's CPU time on SQLite (the demo database).
    """
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and not getattr(f, "generated", False)
    ]
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())

    def converter(field: Any) -> Callable[[Any], Any]:
        kind = field.get_internal_type()
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return lambda value: now if value is None else ops.adapt_datetimefield_value(value)
        if kind == "JSONField":
            return lambda value: None if value is None else json.dumps(value)
        if kind == "DateTimeField":
            return ops.adapt_datetimefield_value
        if kind == "DateField":
            return ops.adapt_datefield_value
        return lambda value: value

    attnames = [f.attname for f in fields]
    converters = [converter(f) for f in fields]
    rows = [
        [conv(obj.__dict__[name]) for name, conv in zip(attnames, converters, strict=True)] for obj in objects
    ]
    quoted = ", ".join(f'"{f.column}"' for f in fields)
    conflict = ", ".join(f'"{model._meta.get_field(n).column}"' for n in unique_fields)
    updates = ", ".join(
        f'"{model._meta.get_field(n).column}" = excluded."{model._meta.get_field(n).column}"'
        for n in update_fields
    )
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f'INSERT INTO "{model._meta.db_table}" ({quoted}) VALUES ({placeholders}) '
        f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_ROWS):
            cursor.executemany(sql, rows[start : start + BATCH_ROWS])


def _copy_value(field: Any, obj: Any, now: dt.datetime) -> str:
    """One value in COPY's CSV format: unquoted empty is NULL, text always quoted."""
    value = getattr(obj, field.attname)
    if value is None and getattr(field, "auto_now", False) | getattr(field, "auto_now_add", False):
        value = now
    if value is None:
        return ""
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False)
    return '"' + str(value).replace('"', '""') + '"'


def _upsert_snapshots(
    items: list[tuple[int, int, dt.date, int | None, int | None, int | None]],
) -> dict[int, str]:
    """Upsert (row, profile_id, day, followers, following, posts) keyed (profile, day); statuses by row."""
    existing: dict[tuple[int, dt.date], dict[str, Any]] = {}
    profile_ids = {item[1] for item in items}
    days = {item[2] for item in items}
    for snap in FollowerSnapshot.objects.filter(profile_id__in=profile_ids, captured_on__in=days).values(
        "profile_id", "captured_on", "followers", "following", "posts_count"
    ):
        existing[(snap["profile_id"], snap["captured_on"])] = snap
    statuses: dict[int, str] = {}
    rows: list[tuple[Any, ...]] = []
    for row, profile_id, day, followers, following, posts_count in items:
        old = existing.get((profile_id, day))
        new = {
            "followers": followers,
            # A day's missing value keeps what that day already had.
            "following": following if following is not None else (old or {}).get("following"),
            "posts_count": posts_count if posts_count is not None else (old or {}).get("posts_count"),
        }
        if old is None:
            statuses[row] = "created"
        elif any(new[f] != old[f] for f in new):
            statuses[row] = "updated"
        else:
            statuses[row] = "unchanged"
            continue
        rows.append((profile_id, day, new["followers"], new["following"], new["posts_count"]))
    if rows:
        _upsert_rows(
            FollowerSnapshot,
            ["profile_id", "captured_on", "followers", "following", "posts_count"],
            rows,
            unique_fields=["profile", "captured_on"],
            update_fields=["followers", "following", "posts_count", "updated_at"],
        )
    return statuses


class _SnapshotWriter(_Writer):
    """Follower snapshots keyed (profile, date); the account's latest counts follow the newest snapshot."""

    key_fields = ("handle", "date")

    def key_of(self, row: int, record: dict[str, Any], parsed: ParsedRows) -> tuple[Any, ...] | None:
        if record.get("date") is None and self.snapshot_date is not None:
            record["date"] = self.snapshot_date
        if record.get("followers") is None:
            if row in parsed.records:
                parsed.reject(row, "followers", "", "followers is required but empty")
            return None
        return super().key_of(row, record, parsed)

    def upsert(self, parsed: ParsedRows, keyed: dict[tuple[Any, ...], int]) -> dict[int, str]:
        profiles = self.profiles_for(parsed, keyed)
        items = []
        latest: dict[int, tuple[dt.date, dict[str, Any]]] = {}
        for key, row in keyed.items():
            record = parsed.records[row]
            profile = profiles[(key[0], key[1])]
            items.append(
                (
                    row,
                    profile["id"],
                    key[2],
                    record["followers"],
                    record.get("following"),
                    record.get("posts_count"),
                )
            )
            if profile["id"] not in latest or key[2] > latest[profile["id"]][0]:
                latest[profile["id"]] = (key[2], record)
        statuses = _upsert_snapshots(items)
        by_id = {p["id"]: p for p in profiles.values()}
        changed = []
        for profile_id, (day, record) in latest.items():
            stored = by_id[profile_id]
            if stored["stats_as_of"] is not None and day < stored["stats_as_of"]:
                continue
            new = {
                "followers": record["followers"],
                "following": record.get("following")
                if record.get("following") is not None
                else stored["following"],
                "posts_count": record.get("posts_count")
                if record.get("posts_count") is not None
                else stored["posts_count"],
            }
            if stored["stats_as_of"] != day or any(new[f] != stored[f] for f in new):
                changed.append(Profile(id=profile_id, stats_as_of=day, score_dirty=True, **new))
        if changed:
            Profile.objects.bulk_update(
                changed,
                ["followers", "following", "posts_count", "stats_as_of", "score_dirty"],
                batch_size=BATCH_ROWS,
            )
        _mark_dirty(
            {profiles[(k[0], k[1])]["id"] for k, r in keyed.items() if statuses.get(r) != "unchanged"}
        )
        return statuses


_HASHTAG = re.compile(r"#(\w+)")


class _PostWriter(_Writer):
    """Posts keyed (profile, post id); empty likes mean hidden likes (null), not zero."""

    key_fields = ("handle", "post_id")

    def key_of(self, row: int, record: dict[str, Any], parsed: ParsedRows) -> tuple[Any, ...] | None:
        key = super().key_of(row, record, parsed)
        if key is not None and record.get("posted_at") is None:
            parsed.reject(row, "posted_at", "", "posted_at is required but empty")
            return None
        return key

    def upsert(self, parsed: ParsedRows, keyed: dict[tuple[Any, ...], int]) -> dict[int, str]:
        profiles = self.profiles_for(parsed, keyed)
        ids = {key: profiles[(key[0], key[1])]["id"] for key in keyed}
        existing: dict[tuple[int, str], dict[str, Any]] = {}
        wanted = {(ids[key], key[2]) for key in keyed}
        profile_ids = sorted(set(ids.values()))
        # By account only: a chunk covers few accounts, and a long IN list over two columns makes
        # SQLite scan; the rows that are not in the file are dropped here.
        for start in range(0, len(profile_ids), BATCH_ROWS):
            for post in Post.objects.filter(profile_id__in=profile_ids[start : start + BATCH_ROWS]).values(
                "profile_id", "external_id", *POST_FIELDS
            ):
                if (post["profile_id"], post["external_id"]) in wanted:
                    existing[(post["profile_id"], post["external_id"])] = post
        statuses: dict[int, str] = {}
        rows: list[tuple[Any, ...]] = []
        for key, row in keyed.items():
            record = parsed.records[row]
            old = existing.get((ids[key], key[2]))
            new = self._merge(key[0], record, old)
            if old is None:
                statuses[row] = "created"
            elif any(new[f] != old[f] for f in POST_FIELDS):
                statuses[row] = "updated"
            else:
                statuses[row] = "unchanged"
                continue
            rows.append((ids[key], key[2], *(new[f] for f in POST_FIELDS)))
        if rows:
            _upsert_rows(
                Post,
                ["profile_id", "external_id", *POST_FIELDS],
                rows,
                unique_fields=["profile", "external_id"],
                update_fields=[*POST_FIELDS, "updated_at"],
            )
        _mark_dirty({ids[k] for k, r in keyed.items() if statuses[r] != "unchanged"})
        return statuses

    def _merge(self, platform: str, record: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
        """Given columns replace stored values (an empty count is unknown/hidden); others are kept."""
        new = dict(old) if old else {}
        new.pop("profile_id", None)
        new.pop("external_id", None)
        new["posted_at"] = record["posted_at"]
        for name in POST_COUNTS:
            if name in record or old is None:
                new[name] = record.get(name)
        defaults = {
            "kind": DEFAULT_POST_KIND.get(platform, "photo"),
            "is_sponsored": False,
            "caption": "",
            "hashtags": [],
            "mentions": [],
        }
        for name, default in defaults.items():
            value = record.get(name)
            if value not in (None, "") and (value != [] or old is None):
                new[name] = value
            elif old is None:
                new[name] = default
        if not new["hashtags"] and new["caption"]:
            new["hashtags"] = [t.lower() for t in dict.fromkeys(_HASHTAG.findall(new["caption"]))]
        return new


class _FollowerSampleWriter(_Writer):
    """Follower samples keyed (account, follower username)."""

    key_fields = ("handle", "follower_username")

    def upsert(self, parsed: ParsedRows, keyed: dict[tuple[Any, ...], int]) -> dict[int, str]:
        profiles = self.profiles_for(parsed, keyed)
        ids = {key: profiles[(key[0], key[1])]["id"] for key in keyed}
        fields = list(SAMPLE_FIELDS.values())
        existing = {
            (item["profile_id"], item["username"]): item
            for item in FollowerSample.objects.filter(
                profile_id__in=set(ids.values()), username__in={k[2] for k in keyed}
            ).values("profile_id", "username", *fields)
        }
        statuses: dict[int, str] = {}
        objects = []
        for key, row in keyed.items():
            record = parsed.records[row]
            old = existing.get((ids[key], key[2]))
            new = {
                model: record.get(canon) if record.get(canon) is not None else (old or {}).get(model)
                for canon, model in SAMPLE_FIELDS.items()
            }
            if old is None:
                statuses[row] = "created"
            elif any(new[f] != old[f] for f in fields):
                statuses[row] = "updated"
            else:
                statuses[row] = "unchanged"
                continue
            objects.append(FollowerSample(profile_id=ids[key], username=key[2], **new))
        if objects:
            _bulk_upsert(
                FollowerSample,
                objects,
                unique_fields=["profile", "username"],
                update_fields=[*fields, "updated_at"],
            )
        _mark_dirty({ids[k] for k, r in keyed.items() if statuses[r] != "unchanged"})
        return statuses


WRITERS: dict[str, type[_Writer]] = {
    "profiles": _ProfileWriter,
    "snapshots": _SnapshotWriter,
    "posts": _PostWriter,
    "followers": _FollowerSampleWriter,
}


# --- jobs (the browser flow) --------------------------------------------------------------------


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
    job.file.save(name, upload, save=False)
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


def import_job_start(*, job: ImportJob) -> ImportJob:
    """Queue a pending job; when the broker is down the job stays pending and the admin is told."""
    from discovery.tasks import import_file_task

    # A running job whose worker died (or a failed one) may be started again: it resumes after its
    # last committed chunk; a second worker racing a live one stops at its first checkpoint.
    startable = [ImportJob.Status.PENDING, ImportJob.Status.RUNNING, ImportJob.Status.FAILED]
    if job.status not in startable:
        raise ApplicationError(f"This job is {job.get_status_display().lower()}; it cannot start again.")
    try:
        enqueue(import_file_task, job_id=job.pk)
    except QueueUnavailable as exc:
        raise QueueUnavailable(
            "The queue is down, so the import could not start. Your file is saved and the job stays pending: "
            "start it again in a minute.",
            extra={"job": job.pk},
        ) from exc
    ImportJob.objects.filter(pk=job.pk, status__in=startable).update(
        status=ImportJob.Status.QUEUED, queued_at=timezone.now(), message=""
    )
    job.refresh_from_db()
    return job


def import_job_run(*, job_id: int) -> ImportSummary | None:
    """Run or resume a job (claimed by a conditional update); None if it is gone or already finished."""
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
    if not claimed:
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
        created=summary.created,
        updated=summary.updated,
        unchanged=summary.unchanged,
        rejected=summary.rejected,
        errors=summary.errors,
        rejected_rows=summary.rejected_rows,
        summary=summary.as_dict(),
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
