"""Profile the fixed per-request cost of the search API, the htmx results fragment, the full search page
and a profile page, in process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ml_ov_bench \\
        .venv/bin/python -m bench.profile_search --profiles 20000 --requests 200 [--query "tier=micro"]

Uses bench_search's database rules (a ``_bench`` database, filled by ``bench_search.generate`` when it
does not hold ``--profiles`` profiles) and its client set-up (session login, DEBUG off, persistent
connection). Prints, per kind (api, html, page, profile), the p50 wall time, the p50 CPU time of this
process, the queries one request sends, and where the time goes (pyinstrument's call tree, or
cProfile's top functions).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import sys
import time
from typing import Any

from bench import bench_search


def _timed(client: Any, url: str, headers: dict[str, str], n: int) -> tuple[float, float, int]:
    """p50 wall ms and p50 CPU ms (this process: Python, not the database) of ``n`` requests, and
    the queries one request sends."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    wall, cpu = [], []
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url, headers=headers)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200, response.content[:300]
    with CaptureQueriesContext(connection) as ctx:
        client.get(url, headers=headers)
    return statistics.median(wall), statistics.median(cpu), len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--query", default="niche=beauty&tier=micro&er_min=2&price_max=500")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--kinds",
        default="api,html,page,profile",
        help="api, html (the htmx fragment), page (the full search page), profile (a profile page)",
    )
    parser.add_argument(
        "--member",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="log in as a member of a brand with a campaign, as bench.load's users (else: no organisation)",
    )
    parser.add_argument("--profiler", choices=["cprofile", "pyinstrument", "none"], default="pyinstrument")
    args = parser.parse_args()
    bench_search._setup_django()

    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    from campaigns.models import Campaign
    from core.models import Membership, Organisation
    from discovery.models import Profile

    call_command("migrate", verbosity=0)
    if Profile.objects.count() != args.profiles:
        bench_search.generate(args.profiles)
    user, _ = User.objects.get_or_create(username="bench-marketer")
    if args.member:
        # As bench.load's marketers: a member of a brand with a campaign (the pages then read it).
        brand, _ = Organisation.objects.get_or_create(
            slug="bench-brand", defaults={"name": "Bench Brand", "kind": "brand"}
        )
        Campaign.objects.get_or_create(
            organisation=brand,
            name="Bench campaign",
            defaults={"objective": "awareness", "budget": 100000, "currency": "GBP"},
        )
        Membership.objects.get_or_create(user=user, organisation=brand, defaults={"role": "member"})
    else:
        Membership.objects.filter(user=user).delete()
    client = Client()
    client.force_login(user)
    # A profile in the middle of the catalogue (the generator's ids are dense).
    profile_id = Profile.objects.order_by("id").values_list("id", flat=True)[args.profiles // 2]
    urls = {
        "api": (f"/api/profiles/?{args.query}", {}),
        "html": (f"/?{args.query}", {"HX-Request": "true"}),
        "page": (f"/?{args.query}", {}),
        "profile": (f"/profiles/{profile_id}/", {}),
    }
    for kind in args.kinds.split(","):
        url, headers = urls[kind]
        for _ in range(20):
            client.get(url, headers=headers)
        wall, cpu, queries = _timed(client, url, headers, args.requests)
        print(f"{kind}: p50 wall {wall:.2f} ms, p50 cpu {cpu:.2f} ms, {queries} queries", file=sys.stderr)
        if args.profiler == "none":
            continue
        if args.profiler == "pyinstrument":
            from pyinstrument import Profiler

            profiler = Profiler(interval=0.0002)
            profiler.start()
            for _ in range(args.requests):
                client.get(url, headers=headers)
            profiler.stop()
            print(f"--- {kind} ({args.requests} requests)")
            print(profiler.output_text(unicode=False, color=False, show_all=False, short_mode=False))
            continue
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            client.get(url, headers=headers)
        profiler.disable()
        for sort in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(args.top)
            print(f"--- {kind} by {sort} ({args.requests} requests)\n{out.getvalue()}")


if __name__ == "__main__":
    main()
