"""Benchmark `generate_catalog`: wall time, rows/s and the child's peak RSS, as JSON.

    .venv/bin/python -m bench.bench_generate --profiles 1000000 [--out /tmp/gen] [--keep]

The generator runs as a child process (`manage.py generate_catalog`), so its peak RSS is read with
``resource.getrusage(RUSAGE_CHILDREN)``. Two ratios make the numbers comparable across machines:
peak RSS against the 500 MB limit (issue 2), and generator rows/s against the rows/s of Python's own
``csv.writer`` writing the same rows on the same disk, measured in the same run (a ratio above 1 means
generating and formatting is faster than merely writing the rows with the standard library).
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
RSS_LIMIT_MB = 500
CALIBRATION_ROWS = 300_000


def _count_rows(path: Path) -> int:
    """Data rows in a CSV (lines minus the header)."""
    with path.open("rb") as fh:
        return sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 20), b"")) - 1


def _csv_writer_rows_per_s(sample: Path, scratch: Path) -> float:
    """Rows/s of csv.writer writing rows like ``sample``'s to disk (the same-run reference)."""
    with sample.open(newline="", encoding="utf-8") as fh:
        rows = list(itertools.islice(csv.reader(fh), 1, 20_001))
    started = time.perf_counter()
    with scratch.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        for chunk in range(CALIBRATION_ROWS // len(rows) + 1):
            writer.writerows(
                rows if chunk < CALIBRATION_ROWS // len(rows) else rows[: CALIBRATION_ROWS % len(rows)]
            )
    elapsed = time.perf_counter() - started
    scratch.unlink()
    return CALIBRATION_ROWS / elapsed


def main() -> None:
    """Run the benchmark and write bench/results/generate-<N>.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", help="output folder (default: a temporary folder under /tmp)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    args = parser.parse_args()

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="microlens-gen-"))
    command = [
        sys.executable,
        "manage.py",
        "generate_catalog",
        f"--profiles={args.profiles}",
        f"--seed={args.seed}",
        f"--out={out}",
    ]
    env = {**os.environ, "MICROLENS_MODE": "local"}
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"generate_catalog failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux

    rows = {name: _count_rows(out / f"{name}.csv") for name in ("profiles", "snapshots", "posts")}
    total_rows = sum(rows.values())
    size_mb = sum((out / f"{name}.csv").stat().st_size for name in rows) / 1e6
    reference = _csv_writer_rows_per_s(out / "posts.csv", out / "calibration.csv")
    rows_per_s = total_rows / seconds
    result = {
        "benchmark": "generate_catalog",
        "profiles": args.profiles,
        "seed": args.seed,
        "seconds": round(seconds, 1),
        "rows": rows,
        "rows_total": total_rows,
        "rows_per_s": round(rows_per_s),
        "profiles_per_s": round(args.profiles / seconds),
        "output_mb": round(size_mb, 1),
        "peak_rss_mb": round(peak_rss_mb, 1),
        "rss_limit_mb": RSS_LIMIT_MB,
        "rss_ratio": round(peak_rss_mb / RSS_LIMIT_MB, 3),
        "rss_within_limit": peak_rss_mb < RSS_LIMIT_MB,
        "reference_csv_writer_rows_per_s": round(reference),
        "speed_ratio_vs_csv_writer": round(rows_per_s / reference, 2),
        "command": " ".join(["python", *command[1:]]),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "system": platform.platform(),
        },
        "measured_at": datetime.now(tz=UTC).isoformat(timespec="seconds"),
    }
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"generate-{args.profiles}.json"
    target.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(f"written to {target.relative_to(REPO)}")


if __name__ == "__main__":
    main()
