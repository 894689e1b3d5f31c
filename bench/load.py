"""Load test: gunicorn on 127.0.0.1 against a bench database, driven by locust headless, bounded in time.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ml_i_bench \\
        .venv/bin/python -m bench.load --profiles 100000 --users 50 --spawn-rate 10 --duration 120

The database must be PostgreSQL and its name must end in ``_bench`` (it is created if missing,
migrated, and refilled by ``bench.bench_search.generate`` when it does not hold ``--profiles``
profiles). The scenario is ``bench/locustfile.py``: marketers search (page, htmx fragment, API), open
profiles and add/remove shortlist entries; one admin uploads and starts small imports (queued on the
local filesystem transport; no worker runs, so they only load the web tier). Writes p50/p95 per
request type and requests/s to bench/results/load-<profiles>-<users>u.{json,md}, beside the targets (search
p95 < 300 ms, no errors).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from bench import bench_search

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"
PASSWORD = "load-bench-password"
SEARCH_P95_LIMIT_MS = 300


def _ensure_database(url: str) -> None:
    """Create the bench database if it does not exist."""
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname, port=parsed.port or 5432, user=parsed.username or "postgres",
        password=parsed.password or None, dbname="postgres",
    )  # fmt: skip
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def prepare(profiles: int) -> dict[str, Any]:
    """Migrate, fill the catalogue, create a marketer, an admin and a campaign; return the locust context."""
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from campaigns.models import Campaign
    from core.models import Membership, Organisation
    from discovery.models import Profile

    call_command("migrate", verbosity=0)
    if Profile.objects.count() != profiles:
        bench_search.generate(profiles)
    brand, _ = Organisation.objects.get_or_create(
        slug="load-brand", defaults={"name": "Load Brand", "kind": "brand"}
    )
    marketer, _ = User.objects.get_or_create(username="load-marketer")
    admin, _ = User.objects.get_or_create(
        username="load-admin", defaults={"is_staff": True, "is_superuser": True}
    )
    for user in (marketer, admin):
        user.set_password(PASSWORD)
        user.save()
    Membership.objects.get_or_create(user=marketer, organisation=brand, defaults={"role": "member"})
    campaign, _ = Campaign.objects.get_or_create(
        organisation=brand,
        name="Load campaign",
        defaults={"objective": "awareness", "budget": 100000, "currency": "GBP"},
    )
    campaign.entries.all().delete()  # each run starts from an empty shortlist
    ids = Profile.objects.order_by("id").values_list("id", flat=True)
    return {
        "marketer": marketer.username,
        "admin": admin.username,
        "password": PASSWORD,
        "profile_min": ids.first(),
        "profile_max": ids.last(),
        "campaign": campaign.pk,
    }


def _wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer on {url} within {timeout}s")


def _stats(csv_path: Path) -> list[dict[str, Any]]:
    """Rows of locust's <prefix>_stats.csv as numbers."""
    rows = []
    with csv_path.open() as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "type": row["Type"],
                    "name": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"] or 0),
                    "p95_ms": float(row["95%"] or 0),
                    "max_ms": float(row["Max Response Time"] or 0),
                    "rps": round(float(row["Requests/s"] or 0), 2),
                }
            )
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Start gunicorn, run locust headless for the duration, collect the figures."""
    context = prepare(args.profiles)
    tmp = RESULTS / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    context_path = tmp / "load-context.json"
    context_path.write_text(json.dumps(context))
    url = f"http://127.0.0.1:{args.port}"
    env = {
        **os.environ,
        "MICROLENS_MODE": "local",
        "DJANGO_DEBUG": "0",
        "DJANGO_LOG_LEVEL": "WARNING",  # axes logs every login at INFO
        "DJANGO_CONN_MAX_AGE": "600",
        "API_THROTTLE_USER": "1000000/minute",
        "DJANGO_MEDIA_ROOT": str(REPO / "var" / "load-media"),
        "LOAD_CONTEXT": str(context_path),
    }
    env.pop("REDIS_URL", None)  # imports queue on the filesystem transport: no worker, web tier only
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{args.port}",
         "-w", str(args.workers), "--access-logfile", "/dev/null", "--log-level", "warning"],
        cwd=REPO, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        _wait_until_up(url)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(REPO / "bench" / "locustfile.py"), "--headless",
             "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.duration}s", "--host", url,
             "--csv", str(tmp / "load"), "--only-summary", "--stop-timeout", "10"],
            cwd=REPO, env=env, check=False, timeout=args.duration + 120,
        )  # fmt: skip
        wall = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    rows = _stats(tmp / "load_stats.csv")
    search = [r for r in rows if r["name"].startswith("search")]
    total = next((r for r in rows if r["name"] == "Aggregated"), {})
    return {
        "profiles": args.profiles,
        "users": args.users,
        "duration_s": args.duration,
        "wall_s": round(wall, 1),
        "gunicorn_workers": args.workers,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "targets": {"search_p95_ms": SEARCH_P95_LIMIT_MS, "failures": 0},
        "search_p95_max_ms": max((r["p95_ms"] for r in search), default=None),
        "failures": total.get("failures"),
        "requests_per_s": total.get("rps"),
        "rows": rows,
    }


def _markdown(report: dict[str, Any]) -> str:
    search_p95, failures, rps = report["search_p95_max_ms"], report["failures"], report["requests_per_s"]
    load = ", ".join(f"{x:.1f}" for x in report["load_average"])
    lines = [
        f"# Load: {report['profiles']:,} profiles, {report['users']} users for {report['duration_s']} s",
        "",
        f"gunicorn {report['gunicorn_workers']} workers on 127.0.0.1, {report['cpu_count']} cores, "
        f"load average {load} at the end; {report['when']}.",
        "",
        f"Search p95 (worst search type): **{search_p95} ms** (target < {SEARCH_P95_LIMIT_MS} ms); "
        f"failures: **{failures}** (target 0); throughput **{rps} requests/s**.",
        "",
        "| request | count | failures | p50 ms | p95 ms | max ms | req/s |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in report["rows"]:
        lines.append(
            f"| {r['name']} | {r['requests']} | {r['failures']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | "
            f"{r['max_ms']:.0f} | {r['rps']} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    """Parse arguments, run, write bench/results/load-<profiles>-<users>u.json and .md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--duration", type=int, default=120, help="seconds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    _ensure_database(os.environ.get("DATABASE_URL", ""))
    bench_search._setup_django()
    report = run(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"load-{args.profiles}-{args.users}u"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2))
    stem.with_suffix(".md").write_text(_markdown(report))
    print(_markdown(report))


if __name__ == "__main__":
    main()
