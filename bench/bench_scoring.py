"""Benchmark the scoring workers on PostgreSQL against one hand-written SQL statement, as JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ml_d REDIS_URL=redis://127.0.0.1:6379/4 \\
        .venv/bin/python -m bench.bench_scoring --profiles 100000

Uses its own database (``<DATABASE_URL name>_bench``, e.g. ml_d_bench), filled from
``discovery.generator`` (the `generate_catalog` rows) by COPY. In one run it measures:

- the reference: one set-based SQL statement computing follower-based ER (latest 12 posts with
  visible likes, followers at post time from the snapshot on/before the post day, else the earliest
  after, else the profile's count; mean and median) for all profiles, materialised into a temp table;
- a full rescore (scores table emptied first) with one real Celery worker, right after the load (every
  profile marked dirty, as after a bulk import, so each chunk also clears the marks), then with two
  (marks already clear); then a full rescore of the unchanged catalogue (the nightly steady state) with
  one. A full run queues every profile id (``scoring.ScoringQueueItem``), it does not mark them;
- an incremental rescore of 1 % dirty profiles with one worker;
- each worker's peak RSS (VmHWM from /proc).

Ratios: full rescore / SQL (target <= 2) and 1 % rescore / full rescore (target < 1/50). The SQL
statement runs first (right before the 1-worker rescore), again right before the 2-worker and the
unchanged-catalogue rescores, and once more at the end: on shared cores the load moves within a run,
so the JSON keeps every timing, and the ratios to the first and to the one just before.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse, urlunparse

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"

REFERENCE_SQL = """
CREATE TEMP TABLE bench_sql_er AS
WITH latest AS (
    SELECT profile_id, posted_at, likes, comments
    FROM (
        SELECT profile_id, posted_at, likes, comments,
               row_number() OVER (PARTITION BY profile_id ORDER BY posted_at DESC) AS rn
        FROM discovery_post
        WHERE likes IS NOT NULL
    ) ranked
    WHERE rn <= 12
),
per_post AS (
    SELECT l.profile_id,
           (l.likes + COALESCE(l.comments, 0))::float8 * 100.0 / NULLIF(COALESCE(
               (SELECT s.followers FROM discovery_followersnapshot s
                 WHERE s.profile_id = l.profile_id AND s.captured_on <= (l.posted_at AT TIME ZONE 'UTC')::date
                 ORDER BY s.captured_on DESC LIMIT 1),
               (SELECT s.followers FROM discovery_followersnapshot s
                 WHERE s.profile_id = l.profile_id AND s.captured_on > (l.posted_at AT TIME ZONE 'UTC')::date
                 ORDER BY s.captured_on ASC LIMIT 1),
               p.followers), 0) AS er
    FROM latest l JOIN discovery_profile p ON p.id = l.profile_id
)
SELECT profile_id, avg(er) AS er_mean,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY er) AS er_median, count(*) AS posts_used
FROM per_post WHERE er IS NOT NULL
GROUP BY profile_id
"""


def bench_database_url() -> str:
    """DATABASE_URL with the database name suffixed ``_bench``."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("bench_scoring needs DATABASE_URL pointing at PostgreSQL")
    parts = urlparse(url)
    return urlunparse(parts._replace(path=parts.path.rstrip("/") + "_bench"))


def ensure_database(url: str) -> None:
    """Create the bench database if missing and migrate it."""
    import psycopg2

    parts = urlparse(url)
    admin = psycopg2.connect(urlunparse(parts._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [parts.path.lstrip("/")])
        if cur.fetchone() is None:
            cur.execute(f'CREATE DATABASE "{parts.path.lstrip("/")}"')
    admin.close()
    env = {**os.environ, "DATABASE_URL": url, "MICROLENS_MODE": "local", "DJANGO_DEBUG": "0"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)


def load_catalogue(n: int, seed: int, data: Path | None = None) -> dict[str, float]:
    """Generate ``n`` profiles (discovery.generator) and COPY them in; returns timings.

    With ``data`` holding a generated catalogue already (``make bench``'s generate step), those files
    are read instead of generating the same rows again.
    """
    from django.db import connection

    from discovery.generator import generate_catalog

    timings: dict[str, float] = {}
    reuse = data is not None and (data / "posts.csv").exists()
    with tempfile.TemporaryDirectory(prefix="bench_scoring_") as scratch:
        tmp = str(data) if reuse else scratch
        started = time.perf_counter()
        if not reuse:
            generate_catalog(profiles=n, seed=seed, out_dir=Path(tmp))
        timings["generate_s" if not reuse else "reused_generated_files_s"] = time.perf_counter() - started
        started = time.perf_counter()
        with connection.cursor() as cur:
            raw = cur.cursor
            cur.execute(
                "TRUNCATE discovery_post, discovery_followersnapshot, scoring_profilescore, "
                "discovery_profile, discovery_creator, scoring_scoringrun CASCADE"
            )
            cur.execute(
                "CREATE TEMP TABLE s_prof (platform text, handle text, name text, followers bigint, "
                "following bigint, posts_count bigint, avg_likes float8, avg_comments float8, "
                "avg_views float8, avg_shares float8, snapshot_date date, country text, language text)"
            )
            _copy(
                raw,
                Path(tmp) / "profiles.csv",
                "s_prof",
                [
                    "platform",
                    "handle",
                    "name",
                    "followers",
                    "following",
                    "posts_count",
                    "avg_likes",
                    "avg_comments",
                    "avg_views",
                    "avg_shares",
                    "snapshot_date",
                    "country",
                    "language",
                ],
            )
            cur.execute(
                "INSERT INTO discovery_creator (created_at, updated_at, name, country, language) "
                "SELECT now(), now(), platform || ':' || handle, country, language "
                "FROM s_prof ORDER BY handle"
            )
            cur.execute(
                "INSERT INTO discovery_profile (created_at, updated_at, creator_id, platform, handle, name, "
                "bio, country, language, url, email, verified, followers, following, posts_count, avg_likes, "
                "avg_comments, avg_views, avg_shares, stats_as_of, audience_countries, "
                "audience_main_country, audience_age_main) "
                "SELECT now(), now(), c.id, s.platform, lower(s.handle), s.name, '', s.country, s.language, "
                "'', '', "
                "false, s.followers, s.following, s.posts_count, s.avg_likes, s.avg_comments, s.avg_views, "
                "s.avg_shares, s.snapshot_date, '{}'::jsonb, '', '' "
                "FROM s_prof s JOIN discovery_creator c ON c.name = s.platform || ':' || s.handle"
            )
            # Every loaded profile waits for scoring, as after a bulk import.
            cur.execute("INSERT INTO scoring_dirtyprofile (profile_id) SELECT id FROM discovery_profile")
            cur.execute(
                "CREATE TEMP TABLE s_snap (platform text, handle text, date date, followers bigint, "
                "following bigint, posts_count bigint)"
            )
            _copy(
                raw,
                Path(tmp) / "snapshots.csv",
                "s_snap",
                ["platform", "handle", "date", "followers", "following", "posts_count"],
            )
            cur.execute(
                "INSERT INTO discovery_followersnapshot (created_at, updated_at, profile_id, captured_on, "
                "followers, following, posts_count) "
                "SELECT now(), now(), p.id, s.date, s.followers, s.following, s.posts_count FROM s_snap s "
                "JOIN discovery_profile p ON p.platform = s.platform AND p.handle = lower(s.handle) "
                "ON CONFLICT DO NOTHING"
            )
            cur.execute(
                "CREATE TEMP TABLE s_post (platform text, handle text, post_id text, posted_at timestamptz, "
                "kind text, likes bigint, comments bigint, shares bigint, saves bigint, views bigint, "
                "is_sponsored boolean, caption text, hashtags text)"
            )
            _copy(
                raw,
                Path(tmp) / "posts.csv",
                "s_post",
                [
                    "platform",
                    "handle",
                    "post_id",
                    "posted_at",
                    "kind",
                    "likes",
                    "comments",
                    "shares",
                    "saves",
                    "views",
                    "is_sponsored",
                    "caption",
                    "hashtags",
                ],
            )
            cur.execute(
                "INSERT INTO discovery_post (created_at, updated_at, profile_id, external_id, posted_at, "
                "kind, likes, comments, shares, saves, views, is_sponsored, caption, hashtags, mentions) "
                "SELECT now(), now(), p.id, s.post_id, s.posted_at, s.kind, s.likes, s.comments, s.shares, "
                "s.saves, s.views, coalesce(s.is_sponsored, false), coalesce(s.caption, ''), "
                "to_jsonb(string_to_array(nullif(s.hashtags, ''), ';')), '[]'::jsonb FROM s_post s "
                "JOIN discovery_profile p ON p.platform = s.platform AND p.handle = lower(s.handle) "
                "ON CONFLICT DO NOTHING"
            )
            cur.execute("ANALYZE")
        timings["load_s"] = time.perf_counter() - started
    return timings


def _copy(raw: object, path: Path, table: str, wanted: list[str]) -> None:
    """COPY the ``wanted`` columns of a CSV into a staging table (columns picked in Python)."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in reader:
            writer.writerow([row.get(c, "") for c in wanted])
        buffer.seek(0)
    raw.copy_expert(  # type: ignore[attr-defined]
        f"COPY {table} ({', '.join(wanted)}) FROM STDIN WITH (FORMAT csv, NULL '')", buffer
    )


class Worker:
    """A `celery worker --pool=solo` subprocess on the bench database."""

    def __init__(self, url: str, log: Path) -> None:
        self.name = f"bench-{uuid.uuid4().hex[:6]}"
        # As a deployed worker runs (docker-compose.yml's worker service): DEBUG off (local mode's DEBUG
        # keeps every statement in memory) and serial PostgreSQL plans. Only the workers: the SQL
        # statement it is compared with keeps the server's parallel plans.
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "MICROLENS_MODE": "local",
            "DJANGO_DEBUG": "0",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DB_PARALLEL_WORKERS_PER_GATHER": "0",
        }
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "-l",
                "warning",
                "-n",
                f"{self.name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=REPO,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 90) -> None:
        from config.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(self.name in name for reply in app.control.ping(timeout=1.0) for name in reply):
                return
        raise RuntimeError(f"worker {self.name} did not start")

    def peak_rss_mb(self) -> float:
        """VmHWM (peak resident set) of the worker process, in MB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def timed_run(start: object, workers: int, url: str, log: Path, timeout: float) -> dict[str, float]:
    """Start workers, launch a run with ``start(parallel=workers)``, wait for it; return the figures."""
    from config.celery import app
    from scoring.models import ScoringRun

    app.control.purge()
    pool = [Worker(url, log) for _ in range(workers)]
    try:
        for w in pool:
            w.wait_ready()
        started = time.perf_counter()
        run = start(parallel=workers)  # type: ignore[operator]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status in (ScoringRun.Status.SUCCEEDED, ScoringRun.Status.FAILED):
                break
            # Polled often: the wall time of a 1 % rescore (under a second) is what its ratio uses.
            time.sleep(0.02)
        wall = time.perf_counter() - started
        peaks = [w.peak_rss_mb() for w in pool]
    finally:
        for w in pool:
            w.stop()
    if run.status != ScoringRun.Status.SUCCEEDED:
        raise RuntimeError(f"run {run.pk} ended {run.status}: {run.errors[:3]}")
    return {
        "seconds": round(wall, 2),
        "run_duration_s": round(run.duration_s or 0, 2),
        "profiles": run.scored,
        "profiles_per_s": round(run.scored / wall, 1),
        "batches": run.batches,
        "peak_worker_rss_mb": round(max(peaks), 1),
        # Seconds per phase, summed over chunks (and over workers when there are several).
        "phases_s": run.timings,
    }


def measure_sql_reference() -> tuple[float, int]:
    """Run the hand-written SQL statement into ``bench_sql_er``; return (seconds, profiles)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_sql_er")
        started = time.perf_counter()
        cur.execute(REFERENCE_SQL)
        seconds = time.perf_counter() - started
        cur.execute("SELECT count(*) FROM bench_sql_er")
        return seconds, cur.fetchone()[0]


def er_agreement() -> dict[str, int]:
    """Stored follower ER against the SQL statement's, on every score row there is."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), count(*) FILTER "
            "(WHERE abs(s.er_followers - b.er_mean) > 1e-6 * greatest(1, b.er_mean)) "
            "FROM bench_sql_er b JOIN scoring_profilescore s ON s.profile_id = b.profile_id"
        )
        compared, mismatched = cur.fetchone()
    return {"compared": compared, "mismatched": mismatched}


def dirty_run(profiles: int, url: str, log: Path, timeout: float) -> dict[str, float]:
    """Mark 1 % of the profiles dirty, at random, and time one worker scoring them."""
    from discovery.models import Profile
    from scoring.services import profiles_mark_dirty_where, scoring_dirty_kick

    profiles_mark_dirty_where(
        queryset=Profile.objects.filter(
            id__in=Profile.objects.order_by("?").values("id")[: max(1, profiles // 100)]
        )
    )
    return timed_run(
        lambda parallel: scoring_dirty_kick(triggered_by="bench", parallel=parallel), 1, url, log, timeout
    )


def _recorded_run(run_id: int, peak_rss_mb: float | None) -> dict[str, object]:
    """The figures of a finished ScoringRun, as ``timed_run`` reports them (wall = the run's duration)."""
    from scoring.models import ScoringRun

    run = ScoringRun.objects.get(pk=run_id, status=ScoringRun.Status.SUCCEEDED)
    seconds = run.duration_s or 0
    return {
        "seconds": round(seconds, 2),
        "run_duration_s": round(seconds, 2),
        "profiles": run.scored,
        "profiles_per_s": round(run.scored / seconds, 1) if seconds else None,
        "batches": run.batches,
        "peak_worker_rss_mb": peak_rss_mb,
        "from_run": run_id,
        "started_at": run.started_at.isoformat(timespec="seconds") if run.started_at else None,
    }


def finish_interrupted(args: argparse.Namespace, result: dict[str, object]) -> None:
    """The SQL statement and the 1 % rescore beside full rescores recorded earlier on this database."""
    from discovery.models import Post
    from scoring.models import DirtyProfile

    url = os.environ["DATABASE_URL"]
    log = RESULTS / "bench_scoring_worker.log"
    peaks = list(args.full_runs_peak_rss_mb or [])
    runs = [
        _recorded_run(rid, peaks[i] if i < len(peaks) else None) for i, rid in enumerate(args.full_runs_from)
    ]
    result["posts"] = Post.objects.count()
    result["full_rescores_recorded_earlier"] = True
    sql_s, sql_rows = measure_sql_reference()
    result["sql_reference"] = {"seconds": round(sql_s, 2), "profiles": sql_rows}
    DirtyProfile.objects.all().delete()
    dirty = dirty_run(args.profiles, url, log, args.timeout)
    agreement = er_agreement()  # on every score row there is now
    ratios: dict[str, float] = {
        "dirty_1pct_over_full_1_worker": round(dirty["seconds"] / runs[0]["seconds"], 4)
    }
    result["full_rescore_1_worker"] = runs[0]
    ratios["full_1_worker_over_sql"] = round(runs[0]["seconds"] / sql_s, 2)
    if len(runs) > 1:
        result["full_rescore_2_workers"] = runs[1]
        ratios["full_2_workers_over_sql"] = round(runs[1]["seconds"] / sql_s, 2)
    result.update(
        {
            "dirty_1pct_1_worker": dirty,
            "er_agreement_with_sql": agreement,
            "ratios": ratios,
            "targets": {"full_over_sql_max": 2.0, "dirty_1pct_over_full_max": 1 / 50},
            "cpu_count": os.cpu_count(),
            "load_avg_at_end": os.getloadavg(),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    out = RESULTS / f"scoring-{args.profiles}.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


SETTLED_TABLES = ["discovery_post", "discovery_followersnapshot", "discovery_profile"]


def settle_catalogue() -> dict[str, float]:
    """Before anything is timed, the catalogue as on a server that has been running: vacuumed (hint bits
    and visibility map set, as autovacuum leaves them; otherwise the first reader of a fresh COPY, the
    SQL statement, rewrites every page it reads) and read once into the OS cache (``pg_prewarm`` in
    ``read`` mode, the tables and their indexes), so neither the SQL statement nor the workers pay for
    the disk on their first pass. Returns the seconds taken and the MB read."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cur:
        for table in SETTLED_TABLES:
            cur.execute(f"VACUUM (ANALYZE) {table}")
        vacuum_s = time.perf_counter() - started
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cur.execute(
            "SELECT coalesce(sum(pg_prewarm(c.oid, 'read')), 0)"
            " * current_setting('block_size')::int / 1048576.0"
            " FROM pg_class c WHERE c.oid = ANY(%s::regclass[])"
            " OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ANY(%s::regclass[]))",
            [SETTLED_TABLES, SETTLED_TABLES],
        )
        read_mb = float(cur.fetchone()[0])
    return {
        "vacuum_s": round(vacuum_s, 1),
        "prewarm_s": round(time.perf_counter() - started - vacuum_s, 1),
        "prewarmed_mb": round(read_mb),
    }


def main() -> None:
    """Run the benchmark and print/save JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded catalogue if its size matches")
    parser.add_argument(
        "--data", type=Path, help="read the catalogue generated in this folder if it is there"
    )
    parser.add_argument("--timeout", type=float, default=3_600)
    parser.add_argument(
        "--skip",
        nargs="+",
        default=[],
        choices=["two_workers", "unchanged"],
        help="leave out the 2-worker full rescore and/or the unchanged-catalogue one (said in the JSON)",
    )
    parser.add_argument(
        "--load-only", action="store_true", help="load (or keep, with --reuse) the catalogue, then stop"
    )
    parser.add_argument(
        "--full-runs-from",
        type=int,
        nargs="+",
        metavar="RUN_ID",
        help="finish an interrupted benchmark: take the full rescores (1 worker, then 2 workers if given) "
        "from these finished ScoringRun records of this database, then measure the SQL statement and the "
        "1%% rescore as usual (at 1M the full phases take most of an hour each on 2 cores)",
    )
    parser.add_argument("--full-runs-peak-rss-mb", type=float, nargs="+", help="their workers' peak RSS")
    args = parser.parse_args()

    url = bench_database_url()
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("MICROLENS_MODE", "local")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()
    from django.db import connection

    from discovery.models import Post, Profile
    from scoring.services import profiles_mark_all_dirty, scoring_rescore_all

    result: dict[str, object] = {
        "profiles": args.profiles,
        "seed": args.seed,
        "database": urlparse(url).path[1:],
    }
    if args.full_runs_from:
        finish_interrupted(args, result)
        return
    if not (args.reuse and Profile.objects.count() == args.profiles):
        result["load"] = load_catalogue(args.profiles, args.seed, args.data)
    result["posts"] = Post.objects.count()
    if args.load_only:
        print(json.dumps(result, indent=2))
        return
    log = RESULTS / "bench_scoring_worker.log"
    RESULTS.mkdir(parents=True, exist_ok=True)
    result["settled"] = settle_catalogue()

    load_at_start = os.getloadavg()
    sql_s, sql_rows = measure_sql_reference()
    result["sql_reference"] = {"seconds": round(sql_s, 2), "profiles": sql_rows}

    def full(parallel: int) -> object:
        return scoring_rescore_all(triggered_by="bench", parallel=parallel)

    def from_scratch() -> None:
        with connection.cursor() as cur:
            cur.execute("TRUNCATE scoring_profilescore")

    if "load" not in result:
        # A reused catalogue starts as a fresh load does: every profile marked, as after a bulk import.
        profiles_mark_all_dirty()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE discovery_profile")
            cur.execute("VACUUM ANALYZE scoring_dirtyprofile")
    from_scratch()
    full1 = timed_run(full, 1, url, log, args.timeout)
    full2 = nightly = None
    # The statement again right before each later full rescore: on shared cores the load moves within
    # a benchmark, so each of those runs is also compared with the SQL timing next to it.
    sql_before: dict[str, float] = {}
    if "two_workers" not in args.skip:
        from_scratch()
        sql_before["full_2_workers"] = round(measure_sql_reference()[0], 2)
        full2 = timed_run(full, 2, url, log, args.timeout)
    if "unchanged" not in args.skip:
        # Nightly steady state: every profile rescored, nothing changed since the last run.
        sql_before["full_unchanged_1_worker"] = round(measure_sql_reference()[0], 2)
        nightly = timed_run(full, 1, url, log, args.timeout)
    # Agreement with the SQL reference on the measured follower ER (same definition).
    agreement = er_agreement()
    dirty = dirty_run(args.profiles, url, log, args.timeout)
    # The statement again at the end: the machine's load moves during a run (shared cores), so both
    # are kept; the ratios use the first, as before, and the spread says how far to trust them.
    sql_after_s, _ = measure_sql_reference()
    result["sql_reference"]["seconds_again_at_end"] = round(sql_after_s, 2)
    ratios = {"full_1_worker_over_sql": round(full1["seconds"] / sql_s, 2)}
    if full2 is not None:
        ratios["full_2_workers_over_sql"] = round(full2["seconds"] / sql_s, 2)
        ratios["full_2_workers_over_sql_just_before"] = round(
            full2["seconds"] / sql_before["full_2_workers"], 2
        )
    if nightly is not None:
        ratios["full_unchanged_1_worker_over_sql"] = round(nightly["seconds"] / sql_s, 2)
        ratios["full_unchanged_1_worker_over_sql_just_before"] = round(
            nightly["seconds"] / sql_before["full_unchanged_1_worker"], 2
        )
    result["sql_reference"]["seconds_just_before"] = sql_before
    ratios["dirty_1pct_over_full_1_worker"] = round(dirty["seconds"] / full1["seconds"], 4)
    result.update(
        {
            "full_rescore_1_worker": full1,
            "full_rescore_2_workers": full2 if full2 is not None else "skipped (--skip two_workers)",
            "full_rescore_unchanged_catalogue_1_worker": (
                nightly if nightly is not None else "skipped (--skip unchanged)"
            ),
            "dirty_1pct_1_worker": dirty,
            "er_agreement_with_sql": agreement,
            "ratios": ratios,
            "targets": {"full_over_sql_max": 2.0, "dirty_1pct_over_full_max": 1 / 50},
            "cpu_count": os.cpu_count(),
            "load_avg_at_start": load_at_start,
            "load_avg_at_end": os.getloadavg(),
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    out = RESULTS / f"scoring-{args.profiles}.json"
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
