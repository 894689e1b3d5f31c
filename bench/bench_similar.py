"""Similar creators on the profile page: the windowed query against the unbounded one, same profiles, one run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ml_srch_bench \\
        .venv/bin/python -m bench.bench_similar --samples 30 --seed 5

Reads only. For ``--samples`` random profiles it times ``discovery.selectors.profile_similar`` (the
nearest-first follower windows, PostgreSQL) and the plain ORM ranking it replaces (the SQLite path:
every account of the platform and tier sorted by distance), checks both give the same ids in the same
order, and prints p50/p90/max of each and the number of mismatches as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Any
from unittest import mock

from bench import bench_search


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)


def run(samples: int, seed: int) -> dict[str, Any]:
    """Time both ways on the same random profiles and compare their answers."""
    from discovery import selectors
    from discovery.models import Profile

    last = Profile.objects.order_by("-id").values_list("id", flat=True).first() or 0
    rng = random.Random(seed)
    timings: dict[str, list[float]] = {"windowed": [], "unbounded": []}
    mismatches = 0
    for _ in range(samples):
        profile = selectors.profile_get(profile_id=rng.randint(1, last))
        started = time.perf_counter()
        windowed = [p.pk for p in selectors.profile_similar(profile=profile)]
        timings["windowed"].append((time.perf_counter() - started) * 1000)
        with mock.patch.object(selectors, "_is_postgres", return_value=False):
            started = time.perf_counter()
            unbounded = [p.pk for p in selectors.profile_similar(profile=profile)]
            timings["unbounded"].append((time.perf_counter() - started) * 1000)
        mismatches += windowed != unbounded
    return {
        "profiles": Profile.objects.count(),
        "samples": samples,
        "mismatches": mismatches,
        **{
            name: {"p50_ms": _pct(v, 0.5), "p90_ms": _pct(v, 0.9), "max_ms": round(max(v), 1)}
            for name, v in timings.items()
        },
    }


def main() -> None:
    """Parse arguments, run, print the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    bench_search._setup_django()
    print(json.dumps(run(args.samples, args.seed), indent=2))


if __name__ == "__main__":
    main()
