"""Scoring runs: claim dirty profiles, score them in chunks, record what happened."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from core.db import copy_expert
from core.queue import QueueUnavailable, enqueue
from discovery.models import Post, Profile
from scoring import selectors
from scoring.models import DirtyProfile, ProfileScore, ScoringQueueItem, ScoringRun
from scoring.services.chunk import ScoringContext, chunk_score_rows, score_rows_as_dicts
from scoring.services.dirty import (
    dirty_restore,
    dirty_take,
    profiles_mark_dirty_sql,
    profiles_mark_dirty_where,
)
from scoring.services.pgcopy import copy_binary, table_column_types

logger = logging.getLogger(__name__)

# Profiles per claimed chunk. Scoring is set-based, so a chunk's cost is mostly per-operation
# overhead (pandas, round trips) until it holds several thousand profiles: 10,000 scores ~1.5x faster
# per profile than 2,000 (bench/bench_scoring.py), in one COPY per table and one upsert, and a killed
# worker still loses only a few seconds of work.
SCORING_BATCH_SIZE = 10_000
MAX_ERRORS_KEPT = 200
# Per-connection temporary table the score rows are COPYed into before the upsert.
SCORE_STAGE = "scoring_score_stage"
# PostgreSQL: where a full run's chunks stage their rows until the run publishes them (migration 0006).
RUN_STAGE = "scoring_runscorestage"

UPDATE_FIELDS = [
    f.name for f in ProfileScore._meta.concrete_fields if f.name != "profile" and not f.primary_key
]


@dataclass
class BatchResult:
    """What one claimed chunk produced."""

    claimed: int
    scored: int
    failed: int
    errors: list[dict[str, Any]]
    # Seconds per phase of the chunk (claim, dirty, read, compute, write, ...), summed into the run.
    timings: dict[str, float] = field(default_factory=dict)


def _timed(timings: dict[str, float], phase: str, started: float) -> float:
    """Add the time since ``started`` to ``timings[phase]``; returns now (the next phase's start)."""
    now = time.perf_counter()
    timings[phase] = timings.get(phase, 0.0) + now - started
    return now


def scoring_run_create(
    *, kind: str = ScoringRun.Kind.DIRTY, triggered_by: str = "", chains: int = 1
) -> ScoringRun:
    """Start a run record and freeze the catalogue's ER quartiles.

    A dirty run counts the dirty profiles; a full run queues every profile id (``ScoringQueueItem``).
    """
    scoring_runs_abandon_stale()
    full = kind == ScoringRun.Kind.FULL
    timings: dict[str, float] = {}
    started = time.perf_counter()
    started_at = timezone.now()
    quartiles = _run_open_quartiles(full=full)
    started = _timed(timings, "open_quartiles", started)
    run = ScoringRun.objects.create(
        kind=kind,
        status=ScoringRun.Status.RUNNING,
        started_at=started_at,
        total=0 if full else selectors.dirty_profile_count(),
        tier_medians=quartiles,
        triggered_by=triggered_by[:64],
        chains=chains,
        timings=_rounded(timings),
    )
    if full:
        started = time.perf_counter()
        run.total = profiles_queue_all(run_id=run.pk)
        run.timings = _rounded(timings | {"open_queue": time.perf_counter() - started})
        run.save(update_fields=["total", "timings", "updated_at"])
    return run


def _rounded(timings: dict[str, float]) -> dict[str, float]:
    return {phase: round(seconds, 3) for phase, seconds in timings.items()}


# Sort/hash memory for a full run's catalogue-wide statements (queue order, quartiles, publish): with the
# server default (4 MB) their sorts of 1,000,000 rows spill to disk.
FULL_RUN_WORK_MEM = "256MB"


def _work_mem(cursor: Any) -> None:
    """Raise work_mem for the rest of the current transaction (PostgreSQL)."""
    if connection.vendor == "postgresql":
        cursor.execute("SELECT set_config('work_mem', %s, true)", [FULL_RUN_WORK_MEM])


def _run_open_quartiles(*, full: bool) -> dict[str, dict[str, list[float]]]:
    """The catalogue's ER quartiles a new run rates against.

    A full run computes them (one pass over the scores). A dirty run takes those the last full
    rescore published (its run record keeps them; the nightly rescore refreshes them), so scoring
    1 % of the catalogue does not begin with a pass over all of it (~15 s at 1,000,000 profiles);
    before any full rescore it computes them too.
    """
    if not full and connection.vendor == "postgresql":
        last = (
            ScoringRun.objects.filter(kind=ScoringRun.Kind.FULL, status=ScoringRun.Status.SUCCEEDED)
            .order_by("-finished_at", "-pk")
            .values_list("tier_medians", flat=True)
            .first()
        )
        if last:
            return last
    with transaction.atomic(), connection.cursor() as cursor:
        _work_mem(cursor)
        return selectors.er_quartiles_by_tier()


def profiles_queue_all(*, run_id: int) -> int:
    """Queue every profile id for a full run in one INSERT ... SELECT; returns how many.

    Each profile's claim position is its rank by its first post's id (posts without a profile
    order are stored in arrival order, a profile's posts mostly arrive together), then its id: a
    chunk of consecutive positions reads its posts and snapshots from neighbouring pages. Claiming
    by profile id read nearly every page of the posts table for every chunk when ids and storage
    order disagree (bench/bench_scoring.py: profile ids in handle order, posts in file order).
    """
    queue = ScoringQueueItem._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        _work_mem(cursor)
        cursor.execute(
            f"INSERT INTO {queue} (run_id, profile_id, position) "
            "SELECT %s, p.id, row_number() OVER (ORDER BY f.first_post, p.id) "
            f"FROM {Profile._meta.db_table} p LEFT JOIN ("
            f"SELECT profile_id, min(id) AS first_post FROM {Post._meta.db_table} GROUP BY profile_id"
            ") f ON f.profile_id = p.id",
            [run_id],
        )
        queued = cursor.rowcount
        if connection.vendor == "postgresql":
            # Fresh statistics for the claims: with the table's old ones (a few thousand rows, or
            # none) every claim was planned as a bitmap scan of the whole run plus a sort of 100,000
            # rows spilling to disk (~0.05 s idle, 0.14 s per chunk in the benchmark) instead of
            # reading the next positions from the (run, position) index.
            cursor.execute(f"ANALYZE {queue}")
        return queued


def scoring_runs_abandon_stale() -> int:
    """Mark runs that stopped reporting (worker killed, never resumed) as failed."""
    cutoff = timezone.now() - dt.timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT)
    stale = list(
        ScoringRun.objects.filter(status=ScoringRun.Status.RUNNING, updated_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    if not stale:
        return 0
    with transaction.atomic():
        # A full run's unscored profiles were queued, not marked: mark them so the next run scores them.
        profiles_mark_dirty_where(
            queryset=Profile.objects.filter(
                id__in=ScoringQueueItem.objects.filter(run_id__in=stale).values("profile_id")
            )
        )
        ScoringQueueItem.objects.filter(run_id__in=stale).delete()
        if connection.vendor == "postgresql":
            # Scored but never published: mark those too, and drop the staged rows.
            profiles_mark_dirty_sql(
                select_sql=f"SELECT p.id FROM {Profile._meta.db_table} p WHERE EXISTS (SELECT 1 FROM "
                f"{RUN_STAGE} st WHERE st.profile_id = p.id AND st.run_id = ANY(%s::bigint[]))",
                params=[stale],
            )
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {RUN_STAGE} WHERE run_id = ANY(%s::bigint[])", [stale])
        return ScoringRun.objects.filter(pk__in=stale).update(
            status=ScoringRun.Status.FAILED,
            finished_at=timezone.now(),
            errors=[{"error": "run stopped reporting; its unscored profiles stay dirty for the next run"}],
            updated_at=timezone.now(),
        )


def profiles_claim(*, batch_size: int, exclude_ids: list[int] | None = None) -> list[int]:
    """Claim up to ``batch_size`` dirty profiles; must run inside the transaction that scores them.

    Their marks are deleted now (``dirty_take``: SKIP LOCKED, so concurrent workers take disjoint
    profiles) and come back if the transaction rolls back; ``profiles_score_batch`` puts back those
    it could not score.
    """
    return sorted(dirty_take(batch_size=batch_size, exclude_ids=exclude_ids))


def queue_claim(*, run_id: int, batch_size: int) -> list[int]:
    """Take up to ``batch_size`` queued profiles of a full run; must run inside the scoring transaction.

    The rows are deleted now and come back if the transaction rolls back (worker killed, chunk error),
    so a resumed run neither skips nor repeats them. SKIP LOCKED keeps parallel chains disjoint.
    """
    # Positions are unique within a run (row_number): the (run, position) index gives the order.
    qs = ScoringQueueItem.objects.filter(run_id=run_id).order_by("position")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    taken = list(qs.values_list("profile_id", "position")[:batch_size])
    ids = [profile_id for profile_id, _ in taken]
    if ids and connection.vendor == "postgresql":
        # The claimed positions bound the delete to their stretch of the (run, position) index (by
        # run and ids alone it filtered the whole run's rows); ids leave out rows another chain
        # holds inside that stretch.
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {ScoringQueueItem._meta.db_table} WHERE run_id = %s "
                "AND position BETWEEN %s AND %s AND profile_id = ANY(%s::bigint[])",
                [run_id, taken[0][1], taken[-1][1], selectors.id_array(ids)],
            )
    elif ids:
        ScoringQueueItem.objects.filter(run_id=run_id, profile_id__in=ids).delete()
    return ids


def scores_write(*, rows: pd.DataFrame | list[dict[str, Any]]) -> int:
    """Upsert score rows in one statement (COPY + INSERT ... ON CONFLICT on PostgreSQL; bulk_create else).

    ``rows`` is a chunk frame from ``chunk_score_rows`` or a list of ProfileScore field dicts.
    """
    if rows is None or len(rows) == 0:
        return 0
    if isinstance(rows, pd.DataFrame):
        if connection.vendor == "postgresql":
            types = table_column_types(ProfileScore._meta.db_table)
            _scores_upsert(buffer=copy_binary(rows, types), columns=list(rows.columns), copy_format="binary")
            return len(rows)
        rows = score_rows_as_dicts(rows)
    if connection.vendor != "postgresql":
        objs = [ProfileScore(**row) for row in rows]
        ProfileScore.objects.bulk_create(
            objs, update_conflicts=True, unique_fields=["profile"], update_fields=UPDATE_FIELDS
        )
        return len(objs)
    # The statement bulk_create(update_conflicts=True) would send, fed by COPY into a temporary stage
    # table: no 2,000 model instances, no 90,000 bound parameters to format and parse (bench/).
    fields = ProfileScore._meta.concrete_fields
    defaults = {f.attname: f.get_default() for f in fields}
    json_fields = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    columns = [f.column for f in fields]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(
            [_copy_cell(row.get(f.attname, defaults[f.attname]), f.attname in json_fields) for f in fields]
        )
    buffer.seek(0)
    _scores_upsert(buffer=buffer, columns=columns)
    return len(rows)


def _scores_upsert(*, buffer: io.IOBase, columns: list[str], copy_format: str = "csv") -> None:
    """COPY score rows (CSV or binary) into the stage table, then one INSERT ... ON CONFLICT that skips
    unchanged rows."""
    table = ProfileScore._meta.db_table
    column_list = ", ".join(f'"{c}"' for c in columns)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {SCORE_STAGE} (LIKE {table}) ON COMMIT DELETE ROWS")
        copy_expert(
            cursor,
            f"COPY {SCORE_STAGE} ({column_list}) FROM STDIN WITH (FORMAT {copy_format}"
            + (", NULL '\\N')" if copy_format == "csv" else ")"),
            buffer,
        )
        # The profile's follower count goes in with the row (else the insert trigger looks it up row by
        # row; scoring 0011); a row whose profile is gone keeps NULL and meets the foreign key as before.
        # Rows equal to the stored score (but for computed_at) are left out first, as the publish does:
        # ON CONFLICT ... WHERE would not rewrite them either, but it still locks each one (a write to
        # its page) - in a dirty run whose profiles' numbers did not move, most of the statement.
        staged = ", ".join(f'st."{c}"' for c in columns)
        compared = [c for c in columns if c not in ("profile_id", "computed_at")]
        unchanged = (
            f"SELECT 1 FROM {table} cur WHERE cur.profile_id = st.profile_id AND "
            f"({', '.join(f'cur.{c}' for c in compared)}) IS NOT DISTINCT FROM "
            f"({', '.join(f'st.{c}' for c in compared)})"
        )
        cursor.execute(
            f"INSERT INTO {table} ({column_list}, profile_followers) "
            f"SELECT {staged}, p.followers FROM {SCORE_STAGE} st "
            f"LEFT JOIN {Profile._meta.db_table} p ON p.id = st.profile_id "
            f"WHERE NOT EXISTS ({unchanged}) {_upsert_tail(table, columns)}"
        )
        # Emptied now, not only at commit: one transaction may write several times (one-by-one retry).
        cursor.execute(f"TRUNCATE {SCORE_STAGE}")


def _copy_cell(value: Any, is_json: bool) -> Any:
    """One CSV cell for COPY: NULL as \\N (so '' stays an empty string), JSON serialised."""
    if value is None:
        return "\\N"
    if is_json:
        return json.dumps(value)
    return value


def run_stages(run: ScoringRun) -> bool:
    """A full run on PostgreSQL stages its chunks and publishes them at the end (migration 0006)."""
    return run.kind == ScoringRun.Kind.FULL and connection.vendor == "postgresql"


def scores_stage(*, run_id: int, rows: pd.DataFrame) -> int:
    """COPY a chunk frame (``chunk_score_rows(..., with_platform=True)``) into the run's stage."""
    if rows is None or len(rows) == 0:
        return 0
    frame = rows.assign(run_id=np.full(len(rows), run_id, dtype="int64"))
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    data = copy_binary(frame, table_column_types(RUN_STAGE))
    with connection.cursor() as cursor:
        copy_expert(cursor, f"COPY {RUN_STAGE} ({columns}) FROM STDIN WITH (FORMAT binary)", data)
    return len(rows)


def _rating_sql(er: str, q1: str, q2: str, q3: str) -> str:
    """The SQL twin of ``metrics.rate_against_quartiles`` for a known ER and known quartiles."""
    return (
        f"CASE WHEN {er} < {q1} THEN '{ProfileScore.Rating.LOW}' WHEN {er} < {q2} THEN "
        f"'{ProfileScore.Rating.AVERAGE}' WHEN {er} < {q3} THEN '{ProfileScore.Rating.GOOD}' "
        f"ELSE '{ProfileScore.Rating.EXCELLENT}' END"
    )


def _quartiles_values(quartiles: dict[str, dict[str, list[float]]]) -> tuple[str, list[Any]]:
    """(SQL relation q(platform, tier, q1, q2, q3), its parameters) of a quartile table."""
    rows = [(p, t, *qs) for p, tiers in sorted(quartiles.items()) for t, qs in sorted(tiers.items())]
    if not rows:
        return "(SELECT NULL::text, NULL::text, NULL::float8, NULL::float8, NULL::float8 WHERE false)", []
    values = ", ".join(["(%s::text, %s::text, %s::float8, %s::float8, %s::float8)"] * len(rows))
    return f"(VALUES {values})", [v for row in rows for v in row]


# A full run's publish inserts its staged rows in this many slices (by profile id), each on its own
# connection at once: inserting into the scores table is mostly the upkeep of its search indexes,
# one core per statement, while the worker's own process idles (bench/bench_scoring.py).
PUBLISH_SLICES = 2


def stage_publish(
    *, run_id: int, timings: dict[str, float] | None = None
) -> dict[str, dict[str, list[float]]]:
    """Write a full run's staged rows into the scores table; returns the quartiles used.

    Tier-relative ER and rating come from the catalogue's quartiles as they are after the run (the
    staged rows in place of their profiles' current scores), the numbers ``scores_rerate`` would
    give them after chunk-by-chunk writes; every other column is the chunk's. Rows whose numbers
    did not change are not rewritten. Scores outside the run are then re-rated (only those that move).
    Outside a transaction (a worker) the rows are inserted in ``PUBLISH_SLICES`` statements at once,
    each committed on its own connection; then the stage is emptied and the rest re-rated in one
    transaction. A publish that fails halfway leaves the run unfinished: the stale-run sweep marks
    its staged profiles dirty, and the next run scores them again.
    ``timings`` gets the seconds of its three parts (publish_quartiles, publish_insert, publish_rerate).
    """
    timings = {} if timings is None else timings
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _work_mem(cursor)
        quartiles = selectors.er_quartiles_by_tier(staged_run_id=run_id)
    started = _timed(timings, "publish_quartiles", started)
    # A caller inside a transaction (a test, a command wrapped in atomic) holds the staged rows
    # uncommitted: other connections would not see them.
    slices = PUBLISH_SLICES if not connection.in_atomic_block else 1
    insert, params = _publish_insert_sql(quartiles, slices=slices)
    if slices > 1:
        statements = [(insert, [*params, run_id, k]) for k in range(slices)]
        with ThreadPoolExecutor(max_workers=slices, thread_name_prefix="scoring-publish") as pool:
            published = sum(pool.map(_publish_slice, statements))
    with transaction.atomic(), connection.cursor() as cursor:
        _work_mem(cursor)
        if slices == 1:
            cursor.execute(insert, [*params, run_id])
            published = cursor.rowcount
        cursor.execute(f"SELECT count(*) FROM {RUN_STAGE} WHERE run_id = %s", [run_id])
        staged = cursor.fetchone()[0]
        scored = ScoringRun.objects.filter(pk=run_id).values_list("scored", flat=True).first() or 0
        if staged < scored:
            # The stage is UNLOGGED: a database crash emptied it. Whatever this run could not
            # publish goes to the next dirty run.
            profiles_mark_dirty_sql(
                select_sql=f"SELECT p.id FROM {Profile._meta.db_table} p WHERE NOT EXISTS (SELECT 1 FROM "
                f"{RUN_STAGE} st WHERE st.run_id = %s AND st.profile_id = p.id)",
                params=[run_id],
            )
            _run_fail(run_id=run_id, error=f"{scored - staged} staged scores lost; their profiles are dirty")
        # Emptied by TRUNCATE when no other run stages rows (no dead tuples left behind).
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {RUN_STAGE} WHERE run_id <> %s)", [run_id])
        if cursor.fetchone()[0]:
            cursor.execute(f"DELETE FROM {RUN_STAGE} WHERE run_id = %s", [run_id])
        else:
            cursor.execute(f"TRUNCATE {RUN_STAGE}")
        started = _timed(timings, "publish_insert", started)
        scores_rerate(quartiles=quartiles)
    _timed(timings, "publish_rerate", started)  # with the commit
    logger.info("run %s: %d staged scores published (%d rows written)", run_id, staged, published)
    return quartiles


def _publish_insert_sql(
    quartiles: dict[str, dict[str, list[float]]], *, slices: int = 1
) -> tuple[str, list[Any]]:
    """The publish INSERT of a run's staged rows and its parameters, but for the run id (and slice).

    Parameters to append: the run id, then with ``slices`` > 1 the slice (profile id modulo slices).
    It writes the profile's follower count too (``profile_followers``, which the scores table's
    insert trigger would otherwise look up row by row; scoring 0011).
    """
    table = ProfileScore._meta.db_table
    relation, params = _quartiles_values(quartiles)
    columns = [c for c in score_columns() if c != "profile_followers"]
    no_group = "q.tier IS NULL OR st.er IS NULL"
    rating = _rating_sql("st.er", "q.q1", "q.q2", "q.q3")
    select = []
    for c in columns:
        if c == "tier_relative_er":
            select.append(
                f"CASE WHEN {no_group} THEN st.tier_relative_er WHEN q.q2 > 0 THEN st.er / q.q2 END"
            )
        elif c == "er_rating":
            select.append(f"CASE WHEN {no_group} THEN st.er_rating ELSE {rating} END")
        else:
            select.append(f'st."{c}"')
    column_list = ", ".join(f'"{c}"' for c in columns)
    # Staged rows equal to the stored score (every column but computed_at) are left out before the
    # INSERT: ON CONFLICT ... DO UPDATE ... WHERE skips rewriting them but still locks each one (a
    # write to its page). A settled catalogue's rescore at 100,000: this INSERT 2.6 s -> 1.0 s.
    compared = [
        (c, sql) for c, sql in zip(columns, select, strict=True) if c not in ("profile_id", "computed_at")
    ]
    unchanged = (
        f"SELECT 1 FROM {table} cur WHERE cur.profile_id = st.profile_id AND "
        f"({', '.join(f'cur.{c}' for c, _ in compared)}) IS NOT DISTINCT FROM "
        f"({', '.join(sql for _, sql in compared)})"
    )
    in_slice = f"AND st.profile_id %% {slices} = %s" if slices > 1 else ""
    sql = (
        f"INSERT INTO {table} ({column_list}, profile_followers) SELECT {', '.join(select)}, p.followers "
        f"FROM {RUN_STAGE} st JOIN {Profile._meta.db_table} p ON p.id = st.profile_id "
        f"LEFT JOIN {relation} AS q (platform, tier, q1, q2, q3) "
        "ON q.platform = st.platform AND q.tier = st.tier "
        f"WHERE st.run_id = %s {in_slice} AND NOT EXISTS ({unchanged}) {_upsert_tail(table, columns)}"
    )
    return sql, params


def _publish_slice(statement: tuple[str, list[Any]]) -> int:
    """One slice of the publish INSERT, in its own transaction on this thread's own connection."""
    sql, params = statement
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            _work_mem(cursor)
            cursor.execute(sql, params)
            return cursor.rowcount
    finally:
        connections.close_all()


def score_columns() -> list[str]:
    """The scores table's column names (ProfileScore fields), in model order."""
    return [f.column for f in ProfileScore._meta.concrete_fields]


def _upsert_tail(table: str, columns: list[str]) -> str:
    """ON CONFLICT clause that updates a score row only when its numbers changed."""
    updates = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in columns if c != "profile_id")
    # Rows whose numbers did not change are not rewritten (no dead tuple, no index churn): a nightly
    # rescore of an unchanged catalogue then costs reads only. computed_at = when numbers last changed.
    compared = [c for c in columns if c not in ("profile_id", "computed_at")]
    changed = (
        f"({', '.join(f'{table}.{c}' for c in compared)}) IS DISTINCT FROM "
        f"({', '.join(f'EXCLUDED.{c}' for c in compared)})"
    )
    return f"ON CONFLICT (profile_id) DO UPDATE SET {updates} WHERE {changed}"


def profiles_score_batch(
    *,
    batch_size: int,
    context: ScoringContext,
    exclude_ids: list[int] | None = None,
    queue_run_id: int | None = None,
    stage: bool = False,
) -> BatchResult:
    """Claim a chunk, score it set-based, write it back and clear the dirty marks of what was scored.

    Without ``queue_run_id`` the chunk is the next dirty profiles; with it, the next profiles queued
    for that full run, whose dirty marks are taken too (except those an import holds: they stay).
    Profiles that fail to score end up marked dirty either way.
    With ``stage`` (a full run on PostgreSQL) the rows go to the run's stage, published at its end.
    """

    timings: dict[str, float] = {}

    def write(profile_ids: list[int]) -> None:
        rows = chunk_score_rows(
            profile_ids=profile_ids, context=context, with_platform=stage, timings=timings
        )
        started = time.perf_counter()
        if stage:
            scores_stage(run_id=queue_run_id, rows=rows)
        else:
            scores_write(rows=rows)
        _timed(timings, "write", started)

    with transaction.atomic():
        started = time.perf_counter()
        if queue_run_id is None:
            marks = dirty_take(batch_size=batch_size, exclude_ids=exclude_ids)
            ids = sorted(marks)
            _timed(timings, "claim_dirty", started)
        else:
            ids = queue_claim(run_id=queue_run_id, batch_size=batch_size)
            started = _timed(timings, "claim_queue", started)
            marks = dirty_take(among=ids)
            _timed(timings, "clear_dirty", started)
        if not ids:
            return BatchResult(0, 0, 0, [], timings)
        errors: list[dict[str, Any]] = []
        try:
            with transaction.atomic():
                write(ids)
            scored = ids
        except Exception:
            # One bad profile must not block the chunk: score one by one, record the failures.
            logger.exception("chunk of %d profiles failed; scoring them one by one", len(ids))
            scored = []
            for pid in ids:
                try:
                    with transaction.atomic():
                        write([pid])
                    scored.append(pid)
                except Exception as exc:
                    errors.append({"profile_id": pid, "error": f"{type(exc).__name__}: {exc}"[:300]})
        if len(scored) < len(ids):
            # Failed profiles stay dirty (a full run's leave its queue too): the next dirty run retries.
            dirty_restore(marks={pk: marks.get(pk) for pk in set(ids) - set(scored)})
    return BatchResult(
        claimed=len(ids), scored=len(scored), failed=len(errors), errors=errors, timings=timings
    )


# Chunks a worker scores at once, each in its own transaction on its own connection (threads): while
# one lane computes in Python, the other's queries and COPY run in PostgreSQL, so one worker keeps
# both a core of its own and one of the database's busy. A step's ``batch_size`` is split between
# them (each lane claims batch_size / lanes), so memory and a chain's claim contract stay as they
# were. Only in a run with one chain (one worker), when each lane gets at least LANE_MIN_PROFILES
# (smaller chunks gain nothing) and the caller holds no transaction (other connections would not see
# its rows).
SCORING_LANES = 2
LANE_MIN_PROFILES = 2_500


@functools.cache
def _lane_pool() -> ThreadPoolExecutor:
    """The process's lane threads (made on first use)."""
    return ThreadPoolExecutor(max_workers=SCORING_LANES - 1, thread_name_prefix="scoring-lane")


def scoring_run_step(*, run_id: int, batch_size: int = SCORING_BATCH_SIZE) -> int:
    """Score the next chunk for a run; returns how many profiles were claimed (0 = nothing left).

    The chunk may be scored as ``SCORING_LANES`` smaller chunks at once (see there); the return
    value is their total, so a chain goes on exactly when the step claimed ``batch_size``.
    """
    run = ScoringRun.objects.filter(pk=run_id).first()
    if run is None or run.status not in (ScoringRun.Status.RUNNING, ScoringRun.Status.QUEUED):
        return 0
    if run.status == ScoringRun.Status.QUEUED:
        ScoringRun.objects.filter(pk=run.pk).update(
            status=ScoringRun.Status.RUNNING, started_at=timezone.now(), updated_at=timezone.now()
        )
    started = time.perf_counter()
    context = ScoringContext.build(quartiles=run.tier_medians)
    context_s = time.perf_counter() - started
    # A caller inside a transaction (a test, a command wrapped in atomic) may hold uncommitted rows
    # that a second connection would not see: read everything on this one then.
    outside = connection.vendor == "postgresql" and not connection.in_atomic_block
    context.parallel_reads = outside
    failed_ids = [e["profile_id"] for e in run.errors if "profile_id" in e]
    lanes, total = 1, batch_size
    # Lanes fill the cores a lone worker leaves idle; with several chains the cores are busy already
    # (bench/bench_scoring.py: 2 workers with lanes were no faster, and used more memory).
    if outside and run.chains <= 1 and batch_size >= SCORING_LANES * LANE_MIN_PROFILES:
        # The lanes share what is waiting (up to batch_size), so a short last chunk, or a small
        # dirty run, is split too. Fewer waiting than batch_size: the claims total less, the chain
        # stops as a short chunk stops it; anything marked after this count waits for the next run.
        total = min(batch_size, _pending(run=run, limit=batch_size))
        if total >= SCORING_LANES * LANE_MIN_PROFILES:
            lanes = SCORING_LANES
        else:
            total = batch_size
    sizes = [total // lanes + (1 if k < total % lanes else 0) for k in range(lanes)]

    def lane(size: int) -> BatchResult:
        # The chunk and the run's counters commit together: a worker killed anywhere in between
        # leaves both untouched, so the resumed run neither loses nor double-counts the chunk.
        with transaction.atomic():
            result = profiles_score_batch(
                batch_size=size,
                context=context,
                exclude_ids=failed_ids,
                queue_run_id=run.pk if run.kind == ScoringRun.Kind.FULL else None,
                stage=run_stages(run),
            )
            result.timings["context"] = context_s / lanes
            _run_progress(run_id=run.pk, result=result)
        return result

    def lane_on_own_connection(size: int) -> BatchResult:
        try:
            return lane(size)
        finally:
            connections.close_all()

    try:
        others = [_lane_pool().submit(lane_on_own_connection, size) for size in sizes[1:]]
        errors: list[BaseException] = []
        results = []
        try:
            results.append(lane(sizes[0]))
        except Exception as exc:
            errors.append(exc)
        for future in others:
            try:
                results.append(future.result())
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]
    except Exception as exc:
        _run_fail(run_id=run.pk, error=f"{type(exc).__name__}: {exc}")
        raise
    claimed = sum(r.claimed for r in results)
    scored = sum(r.scored for r in results)
    if claimed < batch_size or scored == 0:
        # Nothing left, or a chunk where every profile failed: this chain stops (rather than loop on
        # bad rows); the run closes when its last chain stops.
        if _chain_stopped(run_id=run.pk) == 0:
            scoring_run_finish(run_id=run.pk)
        return 0 if scored == 0 else claimed
    return claimed


def _pending(*, run: ScoringRun, limit: int) -> int:
    """How many profiles wait for the run (its queue, or the dirty set), counted up to ``limit``."""
    if run.kind == ScoringRun.Kind.FULL:
        waiting = ScoringQueueItem.objects.filter(run_id=run.pk)
    else:
        waiting = DirtyProfile.objects.all()
    return waiting.order_by()[:limit].count()


def _chain_stopped(*, run_id: int) -> int:
    """Count one worker chain of the run as done; returns how many are still going."""
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().get(pk=run_id)
        run.chains = max(0, run.chains - 1)
        run.save(update_fields=["chains", "updated_at"])
    return run.chains


def _run_progress(*, run_id: int, result: BatchResult) -> None:
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().get(pk=run_id)
        run.scored += result.scored
        run.failed += result.failed
        run.batches += 1 if result.claimed else 0
        run.errors = (run.errors + result.errors)[:MAX_ERRORS_KEPT]
        run.total = max(run.total, run.scored + run.failed)
        timings = dict(run.timings)
        for phase, seconds in result.timings.items():
            timings[phase] = timings.get(phase, 0.0) + seconds
        run.timings = _rounded(timings)
        run.save(update_fields=["scored", "failed", "batches", "errors", "total", "timings", "updated_at"])


def _run_fail(*, run_id: int, error: str) -> None:
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().get(pk=run_id)
        run.errors = ([*run.errors, {"error": error[:500]}])[:MAX_ERRORS_KEPT]
        run.save(update_fields=["errors", "updated_at"])


def scoring_run_finish(*, run_id: int) -> ScoringRun:
    """Close a run; after a full rescore, re-rate every profile against the fresh tier quartiles."""
    run = ScoringRun.objects.get(pk=run_id)
    published = None
    started = time.perf_counter()
    phase = "publish"
    parts: dict[str, float] = {}
    if run_stages(run):
        # Every score of the catalogue is now rated against these: the run keeps them for dirty runs.
        published = stage_publish(run_id=run.pk, timings=parts)
    elif run.kind == ScoringRun.Kind.FULL and not run.queue.exists():
        phase = "rerate"
        fresh = selectors.er_quartiles_by_tier()
        # Chunks rated against the quartiles frozen at the start; re-rate only if the rescore moved them.
        if not _same_quartiles(fresh, run.tier_medians):
            scores_rerate(quartiles=fresh)
    finish_s = time.perf_counter() - started
    now = timezone.now()
    with transaction.atomic():
        run = ScoringRun.objects.select_for_update().get(pk=run_id)
        run.status = ScoringRun.Status.SUCCEEDED
        run.finished_at = now
        run.duration_s = (now - (run.started_at or run.created_at)).total_seconds()
        run.total = max(run.total, run.scored + run.failed)
        if run.kind == ScoringRun.Kind.FULL:
            run.timings = _rounded({**run.timings, **parts, phase: finish_s})
        fields = ["status", "finished_at", "duration_s", "total", "timings", "updated_at"]
        if published is not None:
            run.tier_medians = published
            fields.append("tier_medians")
        run.save(update_fields=fields)
    return run


def _same_quartiles(a: dict, b: dict, tolerance: float = 1e-9) -> bool:
    if a.keys() != b.keys() or any(a[p].keys() != b[p].keys() for p in a):
        return False
    return all(
        abs(x - y) <= tolerance * max(1.0, abs(y))
        for p in a
        for t in a[p]
        for x, y in zip(a[p][t], b[p][t], strict=True)
    )


def scores_rerate(*, quartiles: dict[str, dict[str, list[float]]] | None = None) -> int:
    """Set-based: tier-relative ER and rating of every score from the catalogue's current quartiles.

    PostgreSQL: one UPDATE joined to the quartile table that rewrites only the rows whose values move.
    """
    updated = 0
    if quartiles is None:
        quartiles = selectors.er_quartiles_by_tier()
    if connection.vendor == "postgresql":
        if not quartiles:
            return 0
        relation, params = _quartiles_values(quartiles)
        relative = "CASE WHEN q.q2 > 0 THEN s.er / q.q2 END"
        rating = _rating_sql("s.er", "q.q1", "q.q2", "q.q3")
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ProfileScore._meta.db_table} s SET tier_relative_er = {relative}, "
                f"er_rating = {rating} FROM {Profile._meta.db_table} p, {relation} AS q "
                "(platform, tier, q1, q2, q3) WHERE p.id = s.profile_id AND p.platform = q.platform "
                "AND s.tier = q.tier AND s.er IS NOT NULL "
                f"AND (s.tier_relative_er, s.er_rating) IS DISTINCT FROM ({relative}, {rating})",
                params,
            )
            return cursor.rowcount
    for platform, tiers in quartiles.items():
        for tier, (q1, q2, q3) in tiers.items():
            updated += ProfileScore.objects.filter(
                profile__platform=platform, tier=tier, er__isnull=False
            ).update(
                tier_relative_er=F("er") / q2 if q2 > 0 else None,
                er_rating=Case(
                    When(er__lt=q1, then=Value(ProfileScore.Rating.LOW)),
                    When(er__lt=q2, then=Value(ProfileScore.Rating.AVERAGE)),
                    When(er__lt=q3, then=Value(ProfileScore.Rating.GOOD)),
                    default=Value(ProfileScore.Rating.EXCELLENT),
                ),
            )
    return updated


def scoring_rescore_all(*, triggered_by: str = "", parallel: int = 1) -> ScoringRun:
    """Full rescore: open a run that queues every profile and enqueue ``parallel`` worker chains."""
    from scoring.tasks import score_dirty_profiles_task

    with transaction.atomic():  # the worker must see the run and its queue before the task arrives
        run = scoring_run_create(
            kind=ScoringRun.Kind.FULL, triggered_by=triggered_by, chains=max(1, parallel)
        )
    _run_enqueue(run=run, task=score_dirty_profiles_task, chains=max(1, parallel))
    return run


def _run_enqueue(*, run: ScoringRun, task: Any, chains: int) -> None:
    """Send a committed run's worker chains; with the broker down, close the run as failed and say so."""
    try:
        for _ in range(chains):
            enqueue(task, run_id=run.pk)
    except QueueUnavailable as exc:
        with transaction.atomic():
            ScoringQueueItem.objects.filter(run=run).delete()
            ScoringRun.objects.filter(pk=run.pk).update(
                status=ScoringRun.Status.FAILED, finished_at=timezone.now(), chains=0, errors=[exc.message]
            )
        raise


def scoring_run_sync(
    *, all_profiles: bool = False, batch_size: int = SCORING_BATCH_SIZE, triggered_by: str = ""
) -> ScoringRun:
    """Score in this process until the run is done: every profile, or the dirty ones (the command)."""
    run = scoring_run_create(
        kind=ScoringRun.Kind.FULL if all_profiles else ScoringRun.Kind.DIRTY, triggered_by=triggered_by
    )
    started = time.monotonic()
    while scoring_run_step(run_id=run.pk, batch_size=batch_size) == batch_size:
        pass
    run.refresh_from_db()
    logger.info("scoring run %s: %s scored in %.1fs", run.pk, run.scored, time.monotonic() - started)
    return run


def scoring_dirty_kick(*, triggered_by: str = "", parallel: int = 1) -> ScoringRun | None:
    """Open a run for the profiles already dirty and enqueue it; None when nothing is dirty."""
    from scoring.tasks import score_dirty_profiles_task

    if not selectors.dirty_profile_count():
        return None
    with transaction.atomic():
        run = scoring_run_create(
            kind=ScoringRun.Kind.DIRTY, triggered_by=triggered_by, chains=max(1, parallel)
        )
    _run_enqueue(run=run, task=score_dirty_profiles_task, chains=max(1, parallel))
    return run
