"""Benchmark the import of a generated catalogue on PostgreSQL, beside COPY and django-import-export.

    .venv/bin/python -m bench.bench_import --profiles 100000 [--database ml_c_bench] [--iie-rows 5000]

For each kind (profiles, snapshots, posts) the import runs as a child process
(``manage.py import_profiles PATH --kind K --json``) on a freshly emptied database; its wall time,
rows/s and peak RSS (``/usr/bin/time``-free: ``resource.getrusage(RUSAGE_CHILDREN)`` after each
child, which is a running maximum, so each kind runs in its own fresh ``bench`` subprocess) are
recorded. In the same run and on the same database:

- PostgreSQL ``COPY ... FROM STDIN CSV`` of the same file into a bare table with the same columns
  (no constraints, no indexes): the physical limit;
- PostgreSQL ``COPY`` of the same rows, as the import stored them, into copies of the real tables the
  import writes (``CREATE TABLE ... (LIKE t INCLUDING ALL)``: the same columns, generated columns,
  defaults, CHECK constraints and indexes, plus the same deferred foreign keys), in one transaction
  including its commit (the deferred foreign-key checks run there): the limit with this schema, so the
  report shows how much of the gap to the bare COPY is the schema (indexes, constraints, foreign keys)
  and how much is the import's own work;
- django-import-export importing the first ``--iie-rows`` rows of the same profile file (what an admin
  might otherwise use; it is too slow to run on the whole file).

Ratios: import rows/s / COPY rows/s (issue target >= 0.5 for profiles and snapshots; measured on the
whole ``manage.py`` process, and again on ``import_file`` alone without start-up), import rows/s /
real-table COPY rows/s, real-table COPY / bare COPY, import rows/s / django-import-export rows/s, and
peak RSS / 500 MB. Results are printed and saved under bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
RSS_LIMIT_MB = 500
KINDS = ("profiles", "snapshots", "posts")
BARE_COLUMNS = {
    "profiles": (
        "platform text, handle text, name text, bio text, country text, language text, niches text, "
        "followers bigint, following bigint, posts_count bigint, avg_likes float8, avg_comments float8, "
        "avg_views float8, avg_shares float8, verified boolean, email text, url text, snapshot_date date, "
        "audience_countries text, audience_female_pct float8, audience_age_main text"
    ),
    "snapshots": (
        "platform text, handle text, date date, followers bigint, following bigint, posts_count bigint"
    ),
    "posts": (
        "platform text, handle text, post_id text, posted_at timestamptz, kind text, likes bigint, "
        "comments bigint, shares bigint, saves bigint, views bigint, is_sponsored boolean, caption text, "
        "hashtags text"
    ),
}

# The tables each kind's import writes rows into, in foreign-key order (the real-table COPY peer copies
# them). Not included: the dirty marks (``scoring_dirtyprofile``) and the account's latest counts a
# snapshot import moves (UPDATEs of ``discovery_profile``), which are the import's own extra work.
REAL_TABLES = {
    "profiles": (
        "discovery_creator",
        "discovery_profile",
        "discovery_profile_niches",
        "discovery_followersnapshot",
    ),
    "snapshots": ("discovery_followersnapshot",),
    "posts": ("discovery_post",),
}


def _database_url(name: str) -> str:
    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    return f"{base}/{name}"


def _ensure_database(name: str) -> None:
    """Create the benchmark database if needed and migrate it."""
    import psycopg2

    conn = psycopg2.connect(_database_url("postgres"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=_env(name), check=True)


def _env(name: str) -> dict[str, str]:
    # DEBUG off, as a deployed worker runs: local mode's DEBUG would keep every statement in memory.
    return {**os.environ, "MICROLENS_MODE": "local", "DJANGO_DEBUG": "0", "DATABASE_URL": _database_url(name)}


def _empty_catalogue(name: str) -> None:
    """Remove every imported row (profiles cascade to snapshots, posts, niches links)."""
    import psycopg2

    conn = psycopg2.connect(_database_url(name))
    with conn, conn.cursor() as cur:
        cur.execute(
            "TRUNCATE discovery_post, discovery_followersnapshot, discovery_followersample, "
            "discovery_profile_niches, discovery_profile, discovery_creator, discovery_niche CASCADE"
        )
    conn.close()


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _count(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 20), b"")) - 1


def _run_child(args: list[str], name: str) -> tuple[float, float, str]:
    """Run a child to completion: (seconds, peak RSS MB of that child, stdout)."""
    started = time.perf_counter()
    proc = subprocess.run(args, cwd=REPO, env=_env(name), capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{args} failed:\n{proc.stderr[-3000:]}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak_mb, proc.stdout


def _import(path: Path, kind: str, name: str) -> dict[str, Any]:
    """One import in a fresh bench process, so the RSS maximum is this import's."""
    seconds, _, out = _run_child(
        [
            sys.executable,
            "-m",
            "bench.bench_import",
            "--child-import",
            str(path),
            "--kind",
            kind,
            "--database",
            name,
        ],
        name,
    )
    return {**json.loads(out.strip().splitlines()[-1]), "wall_s": round(seconds, 2)}


def _child_import(path: str, kind: str, name: str) -> None:
    """(child) run import_profiles and print its summary with this process tree's peak RSS."""
    seconds, peak_mb, out = _run_child(
        [sys.executable, "manage.py", "import_profiles", path, "--kind", kind, "--json"], name
    )
    summary = json.loads(out)
    result = {key: summary[key] for key in ("total", "created", "updated", "unchanged", "rejected")} | {
        "seconds": round(seconds, 2),
        "import_file_s": summary["seconds"],
        "peak_rss_mb": round(peak_mb, 1),
    }
    print(json.dumps(result))


def _copy(path: Path, kind: str, name: str) -> float:
    """Seconds for COPY of the file into a bare table with the same columns."""
    import psycopg2

    conn = psycopg2.connect(_database_url(name))
    with conn, conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS bench_bare_{kind}")
        cur.execute(f"CREATE TABLE bench_bare_{kind} ({BARE_COLUMNS[kind]})")
    started = time.perf_counter()
    with conn, conn.cursor() as cur, path.open(encoding="utf-8") as fh:
        cur.copy_expert(f"COPY bench_bare_{kind} FROM STDIN WITH (FORMAT csv, HEADER true)", fh)
    seconds = time.perf_counter() - started
    with conn, conn.cursor() as cur:
        cur.execute(f"DROP TABLE bench_bare_{kind}")
    conn.close()
    return seconds


def _copy_real(kind: str, name: str, workdir: Path) -> dict[str, Any]:
    """COPY the rows the import stored into copies of the real tables, with all their indexes,
    constraints and deferred foreign keys, in one transaction: seconds per table and for the commit."""
    import psycopg2

    tables = REAL_TABLES[kind]
    copies = {table: f"bench_real_{table}" for table in tables}
    conn = psycopg2.connect(_database_url(name))
    columns: dict[str, str] = {}
    rows: dict[str, int] = {}
    with conn, conn.cursor() as cur:
        for table in reversed(tables):
            cur.execute(f"DROP TABLE IF EXISTS {copies[table]} CASCADE")
        for table in tables:
            cur.execute(
                "SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) "
                "FROM information_schema.columns WHERE table_name = %s AND is_generated = 'NEVER'",
                [table],
            )
            columns[table] = cur.fetchone()[0]
            cur.execute(f"CREATE TABLE {copies[table]} (LIKE {table} INCLUDING ALL)")
            cur.execute(
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [table],
            )
            for (definition,) in cur.fetchall():
                for target, copy in copies.items():
                    definition = definition.replace(f"REFERENCES {target}(", f"REFERENCES {copy}(")
                cur.execute(f"ALTER TABLE {copies[table]} ADD {definition}")
            with (workdir / f"{table}.copy").open("w", encoding="utf-8") as fh:
                cur.copy_expert(f"COPY (SELECT {columns[table]} FROM {table}) TO STDOUT", fh)
            cur.execute(f"SELECT count(*) FROM {table}")
            rows[table] = cur.fetchone()[0]
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with conn.cursor() as cur:
        for table in tables:
            begun = time.perf_counter()
            with (workdir / f"{table}.copy").open(encoding="utf-8") as fh:
                cur.copy_expert(f"COPY {copies[table]} ({columns[table]}) FROM STDIN", fh)
            seconds[table] = round(time.perf_counter() - begun, 2)
    begun = time.perf_counter()
    conn.commit()  # the deferred foreign-key checks run here
    commit_s = time.perf_counter() - begun
    total_s = time.perf_counter() - started
    with conn, conn.cursor() as cur:
        for table in reversed(tables):
            cur.execute(f"DROP TABLE {copies[table]} CASCADE")
    conn.close()
    for table in tables:
        (workdir / f"{table}.copy").unlink()
    return {
        "seconds": total_s,
        "tables": {table: {"rows": rows[table], "copy_s": seconds[table]} for table in tables},
        "commit_s": round(commit_s, 2),
    }


def _import_export(path: Path, rows: int, name: str) -> dict[str, Any]:
    """django-import-export importing the first ``rows`` profile rows (in a child, fresh database)."""
    _empty_catalogue(name)
    seconds, _, out = _run_child(
        [
            sys.executable,
            "-m",
            "bench.bench_import",
            "--child-iie",
            str(path),
            "--iie-rows",
            str(rows),
            "--database",
            name,
        ],
        name,
    )
    result = json.loads(out.strip().splitlines()[-1])
    return {**result, "wall_s": round(seconds, 2)}


def _child_iie(path: str, rows: int) -> None:
    """(child) import ``rows`` profiles with a django-import-export ModelResource."""
    import itertools

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    import tablib
    from import_export import fields, resources

    from discovery.models import Creator, Profile

    class ProfileResource(resources.ModelResource):
        platform = fields.Field(attribute="platform", column_name="platform")

        class Meta:
            model = Profile
            import_id_fields = ("platform", "handle")
            fields = (
                "platform",
                "handle",
                "name",
                "country",
                "language",
                "followers",
                "following",
                "posts_count",
                "avg_likes",
                "avg_comments",
                "email",
                "url",
            )
            skip_unchanged = True

        def before_save_instance(self, instance: Profile, row: Any, **kwargs: Any) -> None:
            if not instance.creator_id:
                instance.creator = Creator.objects.create(name=instance.name or instance.handle)

    with open(path, encoding="utf-8") as fh:
        head = list(itertools.islice(fh, rows + 1))
    dataset = tablib.Dataset().load("".join(head), format="csv")
    started = time.perf_counter()
    result = ProfileResource().import_data(dataset, dry_run=False, use_transactions=True, raise_errors=True)
    seconds = time.perf_counter() - started
    print(json.dumps({"rows": rows, "seconds": round(seconds, 2), "new": result.totals["new"]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--database", default="ml_c_bench")
    parser.add_argument("--iie-rows", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", help="reuse/keep generated files in this folder")
    parser.add_argument(
        "--kinds",
        nargs="+",
        choices=KINDS,
        default=list(KINDS),
        help="kinds to import, in this order (posts and snapshots need profiles first; default: all)",
    )
    parser.add_argument("--child-import", help=argparse.SUPPRESS)
    parser.add_argument("--child-iie", help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_import:
        _child_import(args.child_import, args.kind, args.database)
        return
    if args.child_iie:
        _child_iie(args.child_iie, args.iie_rows)
        return

    _ensure_database(args.database)
    out = Path(args.out or tempfile.mkdtemp(prefix="bench_import_"))
    if not (out / "posts.csv").exists():
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from pathlib import Path; from discovery.generator import generate_catalog; "
                f"generate_catalog(profiles={args.profiles}, seed={args.seed}, out_dir=Path({str(out)!r}))",
            ],
            cwd=REPO,
            check=True,
        )
    report: dict[str, Any] = {
        "profiles": args.profiles,
        "database": "postgresql",
        "machine": f"{platform.machine()} {os.cpu_count()} cpu, python {platform.python_version()}",
        "when": datetime.now(tz=UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip(),
        "kinds": {},
    }
    _empty_catalogue(args.database)
    report["kinds_skipped"] = [kind for kind in KINDS if kind not in args.kinds]
    for kind in [k for k in KINDS if k in args.kinds]:  # in order: snapshots and posts need the profiles
        path = out / f"{kind}.csv"
        rows = _count(path)
        load_before = _load()
        result = _import(path, kind, args.database)
        load_after_import = _load()
        copy_s = _copy(path, kind, args.database)
        load_after_copy = _load()
        real = _copy_real(kind, args.database, out)
        import_rps = rows / result["seconds"]
        real_rps = rows / real["seconds"]
        # The same import without the interpreter and Django start-up (the summary's own timing).
        inner_rps = rows / result["import_file_s"]
        copy_rps = rows / copy_s
        report["kinds"][kind] = {
            "rows": rows,
            "import": result,
            "import_rows_per_s": round(import_rps),
            "copy_s": round(copy_s, 2),
            "copy_rows_per_s": round(copy_rps),
            "ratio_import_to_copy": round(import_rps / copy_rps, 3),
            "import_file_rows_per_s": round(inner_rps),
            "ratio_import_file_to_copy": round(inner_rps / copy_rps, 3),
            # COPY of the same rows into copies of the real tables (indexes, constraints, foreign keys).
            "real_copy_s": round(real["seconds"], 2),
            "real_copy_rows_per_s": round(real_rps),
            "real_copy_tables": real["tables"],
            "real_copy_commit_s": real["commit_s"],
            "ratio_import_to_real_copy": round(import_rps / real_rps, 3),
            "ratio_import_file_to_real_copy": round(inner_rps / real_rps, 3),
            "ratio_real_copy_to_copy": round(real_rps / copy_rps, 3),
            "peak_rss_ratio_to_500mb": round(result["peak_rss_mb"] / RSS_LIMIT_MB, 3),
            # 1-, 5- and 15-minute load averages of the machine (2 cores, shared with other work).
            "load_before_import": load_before,
            "load_after_import": load_after_import,
            "load_after_copy": load_after_copy,
            "load_after_real_copy": _load(),
        }
        print(json.dumps({kind: report["kinds"][kind]}), flush=True)
    iie = _import_export(out / "profiles.csv", args.iie_rows, args.database)
    iie_rps = iie["rows"] / iie["seconds"]
    report["django_import_export"] = {**iie, "rows_per_s": round(iie_rps, 1)}
    report["ratio_import_to_django_import_export_profiles"] = round(
        report["kinds"]["profiles"]["import_rows_per_s"] / iie_rps, 1
    )
    print(json.dumps(report, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"import_{args.profiles}.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
