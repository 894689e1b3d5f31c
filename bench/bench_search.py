"""Benchmark discovery search on PostgreSQL: API and HTML fragment beside the bare SQL of the same page.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ml_e_bench \\
        .venv/bin/python -m bench.bench_search --profiles 100000

The database named in DATABASE_URL must end in ``_bench``: it is migrated and, when it does not hold
exactly ``--profiles`` profiles, emptied and refilled by COPY with synthetic profiles, scores and
niches (realistic shapes: log-normal followers, ER falling with size, prices from tier bands).

For each filter combination it times, in one process and one run, interleaved:

- ``api``: ``GET /api/profiles/?...`` through the whole Django stack (test client, session login);
- ``html``: the htmx results fragment ``GET /?...`` with ``HX-Request``;
- ``sql``: the limit, the bare SQL of the same page: the catalogue statements one API request sends
  (bounded count, page ids, page rows, niche prefetch), captured from a real request and replayed on
  a raw cursor;
- ``floor``: an empty authenticated, throttled DRF list behind the same middleware (``bench/floor_urls.py``):
  what any API request on this stack costs before it searches anything (session and user read, the
  throttle's Redis call, DRF's dispatch and rendering);
- ``full count``: once, the app's count of a search whose total is above
  ``selectors.COUNT_EXACT_UP_TO`` with the cache empty (what a request pays when that total is not
  cached; the timed requests find it cached, as repeated pages of one search do for a minute).

Server time is wall time around the in-process request (no network). Reports p50/p95 per
combination, the ratio api p95 / sql p95 (target <= 2) and api p95 (target < 100 ms), the floor's
p50/p95 and what the search adds above it (api p50 - floor p50), as JSON and Markdown in bench/results/.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results"

COMBINATIONS: list[tuple[str, str]] = [
    ("niche + micro + ER floor + price ceiling", "niche=beauty&tier=micro&er_min=2&price_max=500"),
    ("free text", "q=vegan"),
    ("free text, two words + tier", "q=running coach&tier=micro"),
    ("free text, relevance + country", "q=travel&country=GB&ordering=relevance"),
    ("deep page (80 % of the way)", "tier=micro&page={deep}"),
    ("sort by CPE within a niche", "niche=fitness&ordering=cpe"),
    ("TikTok, ER by views, sort by ER", "platform=tiktok&er_by=views&er_min=5&ordering=-er"),
    ("audience country share + quality", "audience_country=GB&audience_country_min=30&quality_min=60"),
    ("growth floor, fastest first", "growth_30d_min=5&ordering=-growth_30d_pct"),
    ("follower band, cheapest first", "followers_min=10000&followers_max=50000&ordering=price"),
    ("quoted rate + verified", "has_quoted_rate=true&verified=true"),
    (
        "two niches + tier-relative ER, best quality",
        "niche=fitness&niche=travel&tier_er_min=1.5&ordering=-quality",
    ),
    ("language + sponsored cap, sort by CPE", "language=de&sponsored_max=10&ordering=cpe"),
    ("no filters (default order)", ""),
]

NICHES = [
    "beauty", "fitness", "travel", "food", "fashion", "gaming", "parenting", "tech", "music", "pets",
    "home", "finance", "books", "art", "outdoors", "wellness", "cars", "comedy", "education", "sports",
]  # fmt: skip
WORDS = [
    "vegan", "recipes", "running", "coach", "travel", "skincare", "makeup", "yoga", "hiking", "budget",
    "street", "food", "family", "gamer", "streamer", "fashion", "vintage", "design", "photography", "london",
    "berlin", "paris", "climbing", "cycling", "marathon", "baking", "coffee", "books", "reviews", "diy",
]  # fmt: skip
COUNTRIES = ["GB", "US", "DE", "FR", "ES", "IT", "NL", "SE", "BR", "IN"]
LANG = {"GB": "en", "US": "en", "DE": "de", "FR": "fr", "ES": "es", "IT": "it", "NL": "nl", "SE": "sv"}
TIER_BANDS = {  # GBP per post (DOMAIN.md, default bands)
    "nano": (10, 100),
    "micro": (100, 1000),
    "macro": (1000, 10000),
    "mega": (10000, 50000),
}


def _setup_django() -> None:
    url = os.environ.get("DATABASE_URL", "")
    name = urlparse(url).path.lstrip("/")
    if not url.startswith("postgres") or not name.endswith("_bench"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database whose name ends in _bench (e.g. ml_e_bench).")
    os.environ.setdefault("MICROLENS_MODE", "local")
    os.environ["DJANGO_DEBUG"] = "0"  # DEBUG would record every query and slow the stack down
    os.environ["API_THROTTLE_USER"] = "1000000/minute"  # measure search, not the rate limiter
    os.environ["DJANGO_CONN_MAX_AGE"] = "600"  # persistent connections, as in production
    os.environ["DB_PARALLEL_WORKERS_PER_GATHER"] = "0"  # serial plans, as gunicorn.conf.py sets for the web
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()


def _tier(followers: int) -> str:
    if followers < 1_000:
        return "nano"
    if followers < 100_000:
        return "micro"
    if followers < 1_000_000:
        return "macro"
    return "mega"


def _copy(cursor: Any, table: str, columns: list[str], rows: list[list[Any]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["\\N" if v is None else v for v in row])
    buffer.seek(0)
    cursor.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
    )


def _required_defaults(model: Any, given: list[str]) -> dict[str, Any]:
    """Values for NOT NULL columns the generator does not set (fields other engineers add later)."""
    from django.db import models

    now = datetime.now(UTC).isoformat()
    out: dict[str, Any] = {}
    for field in model._meta.concrete_fields:
        if field.column in given or field.null or field.primary_key:
            continue
        if isinstance(field, models.DateTimeField):
            out[field.column] = now
            continue
        default = field.get_default()
        if isinstance(field, models.JSONField):
            default = json.dumps(default if default is not None else {})
        elif isinstance(field, models.BooleanField):
            default = "t" if default else "f"
        out[field.column] = "" if default is None else default
    return out


def generate(n: int, seed: int = 42) -> None:
    """Empty the catalogue tables and COPY ``n`` synthetic profiles with scores and niches."""
    import numpy as np
    from django.db import connection

    from discovery.models import Creator, Niche, Profile
    from scoring.models import ProfileScore

    rng = np.random.default_rng(seed)
    now = datetime.now(UTC).isoformat()
    with connection.cursor() as cur:
        cur.execute(
            "TRUNCATE discovery_profile_niches, scoring_profilescore, discovery_profile, discovery_creator,"
            " discovery_niche RESTART IDENTITY CASCADE"
        )
        niche_cols = ["id", "name", "slug", "curated"]
        niche_extra = _required_defaults(Niche, niche_cols)
        _copy(
            cur,
            "discovery_niche",
            niche_cols + list(niche_extra),
            [[i + 1, s.title(), s, "t", *niche_extra.values()] for i, s in enumerate(NICHES)],
        )
        creator_cols = ["id", "name", "country", "language"]
        creator_extra = _required_defaults(Creator, creator_cols)
        countries = rng.choice(
            COUNTRIES, size=n, p=[0.25, 0.25, 0.1, 0.08, 0.07, 0.06, 0.05, 0.04, 0.05, 0.05]
        )
        _copy(
            cur,
            "discovery_creator",
            creator_cols + list(creator_extra),
            [[i + 1, f"Creator {i + 1}", countries[i], LANG.get(countries[i], "en"), *creator_extra.values()]
             for i in range(n)],
        )  # fmt: skip
        followers = np.clip(rng.lognormal(np.log(18_000), 1.4, n), 120, 12_000_000).astype(int)
        platforms = rng.choice(["instagram", "tiktok", "youtube"], size=n, p=[0.6, 0.25, 0.15])
        profile_cols = [
            "id", "created_at", "updated_at", "creator_id", "platform", "handle", "name", "bio", "country",
            "language", "url", "email", "verified", "followers", "following", "posts_count",
            "audience_countries", "audience_main_country", "audience_age_main", "stats_as_of",
        ]  # fmt: skip
        profile_extra = _required_defaults(Profile, profile_cols)
        rows = []
        for i in range(n):
            words = rng.choice(WORDS, size=4, replace=False)
            gb_share = float(np.round(rng.uniform(2, 80), 1))
            home_share = float(np.round(rng.uniform(20, 80), 1))
            uk_share = float(np.round(rng.uniform(0, 40), 1))
            if countries[i] == "GB":
                audience = {"GB": gb_share}
            else:
                audience = {countries[i]: home_share, "GB": uk_share}
            main = max(audience, key=audience.get)
            rows.append([
                i + 1, now, now, i + 1, platforms[i], f"{words[0]}{words[1]}_{i + 1}",
                f"{words[0].title()} {i + 1}",
                f"{words[0]} {words[1]} and {words[2]}; {words[3]} lover", countries[i],
                LANG.get(countries[i], "en"), "", "", "t" if rng.random() < 0.05 else "f", int(followers[i]),
                int(rng.integers(50, 3000)), int(rng.integers(20, 3000)), json.dumps(audience), main, "",
                "2026-11-01", *profile_extra.values(),
            ])  # fmt: skip
        _copy(cur, "discovery_profile", profile_cols + list(profile_extra), rows)
        links = []
        for i in range(n):
            for niche in rng.choice(len(NICHES), size=int(rng.integers(1, 3)), replace=False):
                links.append([i + 1, int(niche) + 1])
        _copy(cur, "discovery_profile_niches", ["profile_id", "niche_id"], links)
        score_cols = [
            "profile_id", "tier", "followers", "er", "er_median", "er_method", "er_provenance",
            "er_posts_used", "er_followers", "er_views", "er_as_of", "tier_relative_er", "er_rating",
            "growth_30d_pct", "growth_as_of", "quality", "quality_confidence", "signals", "sponsored_share",
            "price_low", "price_high", "price", "currency", "price_provenance", "has_quoted_rate",
            "expected_engagements", "expected_reach", "cpe", "as_of",
        ]  # fmt: skip
        score_extra = _required_defaults(ProfileScore, score_cols)
        rows = []
        for i in range(n):
            f = int(followers[i])
            tier = _tier(f)
            er = float(np.round(min(60.0, 6.0 * (f / 1000) ** -0.25 * rng.lognormal(0, 0.5)), 3))
            er_views = (
                float(np.round(rng.lognormal(np.log(6), 0.6), 3)) if platforms[i] != "instagram" else None
            )
            lo, hi = TIER_BANDS[tier]
            quoted = rng.random() < 0.1
            price = round(lo + (hi - lo) * float(rng.random()), 2)
            engagements = f * er / 100
            cpe = round(price / engagements, 4) if engagements > 0 else None
            rel = float(np.round(rng.lognormal(0, 0.5), 3))
            rating = "low" if rel < 0.7 else "average" if rel < 1.0 else "good" if rel < 1.4 else "excellent"
            unknown_growth = rng.random() < 0.1
            rows.append([
                i + 1, tier, f, er, er * 0.9, "followers", "measured", 12, er, er_views, "2026-11-01", rel,
                rating, None if unknown_growth else float(np.round(rng.normal(2, 4), 2)), "2026-11-01",
                int(rng.integers(20, 101)), 0.8, "[]", float(np.round(rng.uniform(0, 0.5), 2)),
                round(price * 0.8, 2), round(price * 1.2, 2), price, "GBP",
                "quoted" if quoted else "estimated", "t" if quoted else "f", engagements, f * 0.38, cpe,
                "2026-11-01", *score_extra.values(),
            ])  # fmt: skip
        _copy(cur, "scoring_profilescore", score_cols + list(score_extra), rows)
        for table in ("discovery_niche", "discovery_creator", "discovery_profile"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )


# PostgreSQL settings that decide whether a 1M catalogue is read from its own buffers or the OS cache.
POSTGRES_SETTINGS = (
    "server_version", "shared_buffers", "effective_cache_size", "work_mem", "random_page_cost",
)  # fmt: skip


def postgres_settings() -> dict[str, str]:
    """The server's settings that shape these timings, as ``SHOW`` prints them (for the report)."""
    from django.db import connection

    with connection.cursor() as cur:
        values = {}
        for name in POSTGRES_SETTINGS:
            cur.execute(f"SHOW {name}")
            values[name] = cur.fetchone()[0]
    return values


# The catalogue's tables (with their indexes), loaded into shared_buffers before timing: a server that
# has been serving searches holds them there (about 2 GB at 1,000,000 profiles); a fresh one would
# time its first reads from disk instead, and in an order that depends on the combinations' order.
PREWARM_TABLES = (
    "discovery_profile", "discovery_profile_niches", "discovery_niche", "scoring_profilescore",
    "discovery_followersnapshot", "discovery_post",
)  # fmt: skip


def prewarm() -> float:
    """Load PREWARM_TABLES and their indexes into shared_buffers (pg_prewarm); returns the MB read."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cur.execute(
            "SELECT coalesce(sum(pg_prewarm(c.oid)), 0) * current_setting('block_size')::int / 1048576.0"
            " FROM pg_class c WHERE c.oid IN ("
            "  SELECT t.oid FROM pg_class t WHERE t.relname = ANY(%s) AND t.relkind = 'r'"
            "  UNION SELECT i.indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
            "  WHERE t.relname = ANY(%s))",
            [list(PREWARM_TABLES), list(PREWARM_TABLES)],
        )
        return round(float(cur.fetchone()[0]), 1)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _bare_sql(client: Any, query: str) -> list[str]:
    """The catalogue SQL one API request runs (count, page ids, page rows, niches), captured to replay raw.

    Captured from a real request (cache warm), so the limit is exactly what the app asks the database:
    the bounded count (and, when the cached total has expired, the full count), the page's ids, its rows
    and the niche prefetch. Session and user lookups are left out.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(f"/api/profiles/?{query}")  # warm the count cache as the timed requests will find it
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/profiles/?{query}")
    assert response.status_code == 200, response.content[:300]
    tables = ("discovery_profile", "scoring_profilescore")  # score-only pages and counts read no profile
    return [q["sql"] for q in ctx.captured_queries if any(t in q["sql"] for t in tables)]


def _cold_count_ms(query: str) -> float | None:
    """Time of the app's count of a search when its total is not cached (None: counted every time)."""
    from django.core.cache import cache
    from django.http import QueryDict

    from discovery import selectors
    from discovery.filters import ProfileFilterSet
    from discovery.selectors import COUNT_EXACT_UP_TO, profile_list, search_count

    filterset = ProfileFilterSet(QueryDict(query), queryset=profile_list())
    assert filterset.is_valid(), filterset.errors
    if filterset.qs.order_by()[: COUNT_EXACT_UP_TO + 1].count() <= COUNT_EXACT_UP_TO:
        return None
    cache.clear()
    selectors._fresh_totals.clear()  # the totals this process keeps while fresh
    started = time.perf_counter()
    search_count(filterset.qs)
    return round((time.perf_counter() - started) * 1000, 1)


def run(profiles: int, repeat: int, warmup: int) -> dict[str, Any]:
    """Time every combination (api, html fragment, bare SQL), interleaved, and return the report."""
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import clear_url_caches

    from discovery.models import Profile
    from discovery.selectors import COUNT_CACHE_SECONDS, COUNT_EXACT_UP_TO

    call_command("migrate", verbosity=0)
    if Profile.objects.count() != profiles or os.environ.get("BENCH_REGENERATE") == "1":
        started = time.perf_counter()
        generate(profiles)
        print(f"generated {profiles:,} profiles in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    # VACUUM sets the visibility map, so counts can use index-only scans as on a settled database.
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE discovery_profile, discovery_profile_niches, scoring_profilescore")
    prewarmed_mb = prewarm()
    settings.ROOT_URLCONF = "bench.floor_urls"  # the app's URLs and the floor endpoint
    clear_url_caches()
    user, _ = User.objects.get_or_create(username="bench-marketer")
    client = Client()
    client.force_login(user)

    results = []
    for label, query in COMBINATIONS:
        if "{deep}" in query:
            total = client.get(f"/api/profiles/?{query.format(deep=1)}").json()["count"]
            query = query.format(deep=max(1, int(total / 25 * 0.8)))
        statements = _bare_sql(client, query)
        cold_count = _cold_count_ms(query)
        timings: dict[str, list[float]] = {"api": [], "html": [], "sql": [], "floor": []}
        count = None
        for i in range(warmup + repeat):
            t0 = time.perf_counter()
            response = client.get(f"/api/profiles/?{query}")
            t1 = time.perf_counter()
            assert response.status_code == 200, (query, response.status_code, response.content[:300])
            count = response.json()["count"]
            t2 = time.perf_counter()
            fragment = client.get(f"/?{query}", headers={"HX-Request": "true"})
            t3 = time.perf_counter()
            assert fragment.status_code == 200
            with connection.cursor() as cur:
                t4 = time.perf_counter()
                for sql in statements:
                    cur.execute(sql)
                    cur.fetchall()
                t5 = time.perf_counter()
            floor = client.get("/api/bench-floor/")
            t6 = time.perf_counter()
            assert floor.status_code == 200, floor.status_code
            if i >= warmup:
                timings["floor"].append((t6 - t5) * 1000)
                timings["api"].append((t1 - t0) * 1000)
                timings["html"].append((t3 - t2) * 1000)
                timings["sql"].append((t5 - t4) * 1000)
        row = {"label": label, "query": query, "count": count, "count_cold_ms": cold_count}
        for kind, values in timings.items():
            row[f"{kind}_p50_ms"] = round(statistics.median(values), 2)
            row[f"{kind}_p95_ms"] = round(_pct(values, 0.95), 2)
        row["api_over_sql_p95"] = round(row["api_p95_ms"] / row["sql_p95_ms"], 2)
        row["html_over_sql_p95"] = round(row["html_p95_ms"] / row["sql_p95_ms"], 2)
        row["api_above_floor_p50_ms"] = round(row["api_p50_ms"] - row["floor_p50_ms"], 2)
        row["api_p95_under_100ms"] = row["api_p95_ms"] < 100
        row["api_within_2x_sql"] = row["api_over_sql_p95"] <= 2
        results.append(row)
        print(
            f"{label:<48} n={count:>7} api p50/p95 {row['api_p50_ms']:7.1f}/{row['api_p95_ms']:7.1f}  "
            f"html {row['html_p50_ms']:7.1f}/{row['html_p95_ms']:7.1f}  sql {row['sql_p50_ms']:7.1f}/"
            f"{row['sql_p95_ms']:7.1f}  floor {row['floor_p50_ms']:5.1f}/{row['floor_p95_ms']:5.1f}"
            f"  api/sql {row['api_over_sql_p95']:.2f}",
            file=sys.stderr,
        )
    stack = _stack_layers(client, max(200, 4 * repeat), warmup)
    return {
        "benchmark": "discovery search",
        "profiles": profiles,
        "repeat": repeat,
        "warmup": warmup,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.settings_dict["NAME"],
        "postgres": postgres_settings(),
        "prewarmed_mb": prewarmed_mb,
        "count_exact_up_to": COUNT_EXACT_UP_TO,
        "count_cache_seconds": COUNT_CACHE_SECONDS,
        "results": results,
        "stack": stack,
    }


def _stack_layers(client: Any, repeat: int, warmup: int) -> list[dict[str, Any]]:
    """p50/p95 of each layer of the floor (``bench.floor_urls.STACK``) and of one database round trip
    (``SELECT 1`` on the raw cursor), interleaved, so the report shows what the floor is made of."""
    from django.db import connection

    from bench.floor_urls import STACK

    timings: dict[str, list[float]] = {label: [] for label, _url in STACK}
    timings["database round trip (SELECT 1)"] = []
    for i in range(warmup + repeat):
        for label, url in STACK:
            t0 = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, (url, response.status_code)
            if i >= warmup:
                timings[label].append(elapsed)
        with connection.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute("SELECT 1")
            cur.fetchall()
            elapsed = (time.perf_counter() - t0) * 1000
        if i >= warmup:
            timings["database round trip (SELECT 1)"].append(elapsed)
    layers = [
        {"layer": label, "p50_ms": round(statistics.median(v), 3), "p95_ms": round(_pct(v, 0.95), 3)}
        for label, v in timings.items()
    ]
    for layer in layers:
        p50, p95 = layer["p50_ms"], layer["p95_ms"]
        print(f"stack: {layer['layer']:<40} p50 {p50:6.2f}  p95 {p95:6.2f}", file=sys.stderr)
    return layers


def _markdown(report: dict[str, Any]) -> str:
    lines = [
        f"Discovery search, {report['profiles']:,} profiles, {report['repeat']} runs each "
        f"({report['measured_at']}); PostgreSQL {settings_line(report)}; times in ms."
        " sql: the statements one API request sends (captured),"
        " replayed raw. floor: an empty authenticated, throttled DRF list on the same stack"
        " (bench/floor_urls.py); above floor: api p50 - floor p50."
        " full count: the app's count of the search when its total is not cached (totals"
        f" above {report['count_exact_up_to']:,} are cached {report['count_cache_seconds']} s per search;"
        " '-': counted exactly on every request, inside the timed figures).",
        "",
        "| combination | results | api p50 | api p95 | html p50 | html p95 | sql p50 | sql p95"
        " | floor p50 | floor p95 | above floor p50 | api/sql p95 | full count |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in report["results"]:
        lines.append(
            f"| {r['label']} | {r['count']:,} | {r['api_p50_ms']} | {r['api_p95_ms']} | {r['html_p50_ms']} | "
            f"{r['html_p95_ms']} | {r['sql_p50_ms']} | {r['sql_p95_ms']} | {r['floor_p50_ms']} | "
            f"{r['floor_p95_ms']} | {r['api_above_floor_p50_ms']} | {r['api_over_sql_p95']} | "
            f"{'-' if r.get('count_cold_ms') is None else r['count_cold_ms']} |"
        )
    if report.get("stack"):
        lines += [
            "",
            "The floor's layers, each adding one thing to the one before (bench/floor_urls.py), and one"
            " database round trip; times in ms, interleaved in the same run.",
            "",
            "| layer | p50 | p95 |",
            "|---|---:|---:|",
        ]
        lines += [f"| {x['layer']} | {x['p50_ms']} | {x['p95_ms']} |" for x in report["stack"]]
    return "\n".join(lines) + "\n"


def settings_line(report: dict[str, Any]) -> str:
    settings = report.get("postgres") or {}
    return ", ".join(f"{k} {v}" for k, v in settings.items()) or "settings not recorded"


def main() -> None:
    """Parse arguments, run, write bench/results/search-<profiles>.json and .md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    _setup_django()
    report = run(args.profiles, args.repeat, args.warmup)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"search-{args.profiles}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2))
    stem.with_suffix(".md").write_text(_markdown(report))
    print(_markdown(report))


if __name__ == "__main__":
    main()
