"""`make bench`: every benchmark in one run, one JSON and one Markdown report in bench/results/.

    .venv/bin/python -m bench.run --scale 100000      # SCALE=1000000 make bench for the full run

Each area's benchmark runs as its own child process, in order, against fresh PostgreSQL databases
named after ``--database`` (dropped and created here), and writes its own JSON beside this file.
This module only orchestrates and reports: every figure comes from the child's JSON, beside the
limit or peer that child measured in the same run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Step:
    """One area benchmark: its module, its arguments and the JSON file it writes."""

    area: str
    module: str
    args: tuple[str, ...]
    output: str
    database_suffix: str | None = None


def steps_for(
    scale: int, database: str, data: Path, import_kinds: tuple[str, ...] = ("profiles", "snapshots", "posts")
) -> list[Step]:
    """The benchmarks of issues 2, 4, 5, 6, 7 and 8 at this scale.

    The generate step keeps its files in ``data`` and the import step reads those same files, so the
    catalogue is generated once per run (at 1M that is several minutes of one core).
    """
    return [
        Step(
            "generate",
            "bench.bench_generate",
            ("--profiles", str(scale), "--out", str(data), "--keep"),
            f"generate-{scale}.json",
        ),
        Step(
            "import",
            "bench.bench_import",
            (
                *("--profiles", str(scale), "--database", f"{database}_import", "--out", str(data)),
                *("--kinds", *import_kinds),
            ),
            f"import_{scale}.json",
        ),
        Step(
            "scoring",
            "bench.bench_scoring",
            ("--profiles", str(scale), "--data", str(data)),
            f"scoring-{scale}.json",
            "scoring",
        ),
        Step(
            "search", "bench.bench_search", ("--profiles", str(scale)), f"search-{scale}.json", "search_bench"
        ),
        Step("suggest", "bench.bench_suggest", ("--sizes", "1000", "10000", "100000"), "suggest.json"),
        # Load runs against the database the search step filled (same name, same profiles).
        Step(
            "load",
            "bench.load",
            ("--profiles", str(scale), "--users", "50", "--spawn-rate", "10", "--duration", "120"),
            f"load-{scale}-50u.json",
            "search_bench",
        ),
        Step("faults", "bench.faults", (), "faults.json"),
        Step("audit", "bench.audit", (), "audit.json"),
    ]


def recreate_database(name: str) -> None:
    """Drop and create a PostgreSQL database (a fresh one per run)."""
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN_URL)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def database_exists(name: str) -> bool:
    """Whether PostgreSQL has a database of this name."""
    import psycopg2

    conn = psycopg2.connect(PG_ADMIN_URL)
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        found = cursor.fetchone() is not None
    conn.close()
    return found


def run_step(step: Step, database: str, redis_url: str, reuse_search: bool = False) -> dict[str, Any]:
    """Run one benchmark child; return its JSON plus the orchestration facts."""
    env = {**os.environ, "MICROLENS_MODE": "test", "REDIS_URL": redis_url}
    if step.database_suffix:
        name = f"{database}_{step.database_suffix}"
        # bench_scoring appends "_bench" itself; bench_search wants the name to end in "_bench"; the
        # load step reuses the search step's database as it stands.
        if step.area == "search":
            # bench_search refills the database itself unless it already holds exactly --profiles.
            if not (reuse_search and database_exists(name)):
                recreate_database(name)
        elif step.area != "load":
            recreate_database(f"{name}_bench")
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    elif step.area == "import":
        recreate_database(f"{database}_import")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", step.module, *step.args], cwd=REPO, env=env, check=False)
    wall = round(time.monotonic() - started, 1)
    path = RESULTS / step.output
    result: dict[str, Any] = {
        "area": step.area,
        "exit_code": proc.returncode,
        "wall_s": wall,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if proc.returncode == 0 and path.exists():
        result["report"] = json.loads(path.read_text())
    else:
        result["error"] = f"{step.module} exited {proc.returncode}; no report at {path.name}"
    return result


def adopt_step(step: Step, note: str) -> dict[str, Any]:
    """An area's figures from the JSON its benchmark wrote when run on its own (dated by that file)."""
    path = RESULTS / step.output
    if not path.exists():
        sys.exit(f"--adopt {step.area}: {path} does not exist; run {step.module} first")
    report = json.loads(path.read_text())
    # Each benchmark dates its own JSON (under one of these names); a checkout's file time is not a date.
    written = next((report[k] for k in ("measured_at", "finished_at", "when") if report.get(k)), "undated")
    result: dict[str, Any] = {
        "area": step.area,
        "exit_code": 0,
        "wall_s": None,
        "measured_at": written,
        "report": report,
        "note": f"{step.module} run on its own, adopted from {path.name}" + (f": {note}" if note else ""),
    }
    return result


def _get(data: dict[str, Any], dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


# (label, figure, its limit or peer) per area, as dotted paths into that area's JSON.
HEADLINES: dict[str, list[tuple[str, str, str]]] = {
    "generate": [
        ("peak RSS MB vs 500 MB limit", "peak_rss_mb", "rss_ratio"),
        ("rows/s vs csv.writer", "rows_per_s", "speed_ratio_vs_csv_writer"),
    ],
    "import": [
        ("profiles import/COPY", "kinds.profiles.import_rows_per_s", "kinds.profiles.ratio_import_to_copy"),
        (
            "snapshots import/COPY",
            "kinds.snapshots.import_rows_per_s",
            "kinds.snapshots.ratio_import_to_copy",
        ),
        ("posts import/COPY", "kinds.posts.import_rows_per_s", "kinds.posts.ratio_import_to_copy"),
    ],
    "scoring": [
        (
            "full rescore, 1 worker (s) / SQL",
            "full_rescore_1_worker.seconds",
            "ratios.full_1_worker_over_sql",
        ),
        (
            "full rescore, 2 workers (s) / SQL",
            "full_rescore_2_workers.seconds",
            "ratios.full_2_workers_over_sql",
        ),
        ("1% rescore (s) / full", "dirty_1pct_1_worker.seconds", "ratios.dirty_1pct_over_full_1_worker"),
    ],
}


def list_headlines(area: str, data: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """Headline rows for the benchmarks that report a list of cases (search combinations, suggest sizes)."""
    results = data.get("results") or []
    if area == "search" and results:
        worst_p95 = max(results, key=lambda r: r["api_p95_ms"])
        worst_ratio = max(results, key=lambda r: r["api_over_sql_p95"])
        under = sum(1 for r in results if r["api_p95_under_100ms"])
        return [
            (
                f"API p95 ms, worst ({worst_p95['label']}) vs 100 ms",
                worst_p95["api_p95_ms"],
                f"{under}/{len(results)} under",
            ),
            (
                f"API/SQL p95, worst ({worst_ratio['label']}) vs 2x",
                worst_ratio["api_p95_ms"],
                worst_ratio["api_over_sql_p95"],
            ),
        ]
    if area == "load":
        return [
            (
                f"{data['users']} users for {data['duration_s']} s: search p95 ms (worst type) vs 300 ms",
                data["search_p95_max_ms"],
                round(data["search_p95_max_ms"] / 300, 2) if data.get("search_p95_max_ms") else None,
            ),
            ("failures (target 0) / requests per s", data["failures"], data["requests_per_s"]),
        ]
    if area == "faults":
        return [(check["name"], "pass" if check["passed"] else "FAIL", check["detail"]) for check in results]
    if area == "audit":
        return [("pip-audit of requirements.txt", data["status"], data["detail"])]
    if area == "suggest":
        return [
            (
                f"{r['candidates']:,} candidates, {r['scenario']}: max s (limit 2 s at 10,000) / max gap %",
                round(r["max_seconds"], 3),
                round(100 * r["max_gap"], 4),
            )
            for r in results
        ]
    return []


def markdown(report: dict[str, Any]) -> str:
    """A readable summary: each area's headline figures beside their limits or peers."""
    lines = [
        f"# Microlens benchmarks at {report['scale']:,} profiles",
        "",
        f"Measured {report['measured_at']} on {report['machine']}.",
        "",
        "| area | figure | value | ratio to limit / peer (same run) |",
        "|---|---|---|---|",
    ]
    for step in report["steps"]:
        if "error" in step:
            lines.append(f"| {step['area']} | failed | {step['error']} | |")
            continue
        when = step.get("measured_at", report["measured_at"])
        wall = "run on its own" if step["wall_s"] is None else step["wall_s"]
        lines.append(f"| {step['area']} | step finished {when}, wall time s | {wall} | |")
        if step.get("note"):
            lines.append(f"| {step['area']} | how it was measured | {step['note']} | |")
        skipped = step["report"].get("kinds_skipped", [])
        for label, figure, ratio in HEADLINES.get(step["area"], []):
            value, versus = _get(step["report"], figure), _get(step["report"], ratio)
            if value is None and any(f"kinds.{kind}." in figure for kind in skipped):
                value, versus = "not run in this report (--import-kinds)", ""
            elif value is None:
                value, versus = "not measured in this report", ""
            lines.append(f"| {step['area']} | {label} | {value} | {versus} |")
        for label, value, versus in list_headlines(step["area"], step["report"]):
            lines.append(f"| {step['area']} | {label} | {value} | {versus} |")
    lines += [
        "",
        "Each area's full figures are in its own JSON (and Markdown) in bench/results/.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run every benchmark and write bench/results/report-<scale>.json and .md."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--database", default="microlens_bench")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8"))
    parser.add_argument("--only", nargs="*", help="areas to run (default: all)")
    parser.add_argument(
        "--data", help="folder for the generated catalogue files (default: /var/tmp/microlens-bench-<scale>)"
    )
    parser.add_argument(
        "--import-kinds",
        nargs="+",
        default=["profiles", "snapshots", "posts"],
        help="kinds the import step imports (posts take longest; the targets are profiles and snapshots)",
    )
    parser.add_argument(
        "--reuse-search-database",
        action="store_true",
        help="keep <database>_search_bench if it exists (bench_search refills it unless it holds --scale "
        "profiles; filling 1M takes a while)",
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other areas of an existing report-<scale>.json (each step keeps its own date)",
    )
    parser.add_argument("--render", help="only rebuild the Markdown of a saved report-<scale>.json")
    parser.add_argument(
        "--adopt",
        nargs="+",
        default=[],
        metavar="AREA",
        help="take these areas from the JSON their own benchmark last wrote in bench/results (run on its "
        "own, e.g. while tuning) instead of running them; implies --merge",
    )
    parser.add_argument("--note", default="", help="with --adopt: how the adopted figures were measured")
    args = parser.parse_args()
    if args.render:
        saved = Path(args.render)
        saved.with_suffix(".md").write_text(markdown(json.loads(saved.read_text())))
        return

    RESULTS.mkdir(parents=True, exist_ok=True)
    data = Path(args.data or f"/var/tmp/microlens-bench-{args.scale}")
    every = steps_for(args.scale, args.database, data, tuple(args.import_kinds))
    stem = RESULTS / f"report-{args.scale}"
    if args.adopt:
        args.merge = True
        ran = [adopt_step(step, args.note) for step in every if step.area in args.adopt]
        if len(ran) != len(args.adopt):
            sys.exit(f"--adopt: unknown area among {args.adopt}; areas: {[s.area for s in every]}")
    else:
        steps = [s for s in every if not args.only or s.area in args.only]
        ran = [run_step(step, args.database, args.redis_url, args.reuse_search_database) for step in steps]
    # Read the saved report only now: another `--merge` run may have finished while this one ran.
    saved = stem.with_suffix(".json")
    previous = json.loads(saved.read_text()) if args.merge and saved.exists() else {"steps": []}
    order = [s.area for s in every]
    by_area = {s["area"]: s for s in previous["steps"]} | {s["area"]: s for s in ran}
    report = {
        "scale": args.scale,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.platform()}, {os.cpu_count()} cpu, python {platform.python_version()}",
        "steps": sorted(by_area.values(), key=lambda s: order.index(s["area"])),
    }
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    stem.with_suffix(".md").write_text(markdown(report))
    print(markdown(report))
    sys.exit(1 if any("error" in s for s in ran) else 0)


if __name__ == "__main__":
    main()
