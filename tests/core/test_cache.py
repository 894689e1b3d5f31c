"""The Redis cache fails soft: with Redis unreachable, reads miss and writes do nothing, quickly."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from core.cache import FailSoftRedisCache

REPO = Path(__file__).resolve().parent.parent.parent


def _dead_cache() -> FailSoftRedisCache:
    # Port 1 on loopback: nothing listens, the connection is refused at once.
    return FailSoftRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}}
    )


def test_unreachable_redis_reads_as_a_miss_and_writes_as_nothing() -> None:
    cache = _dead_cache()

    started = time.monotonic()
    cache.set("total", 42, 60)
    results = (
        cache.get("total", "missing"),
        cache.add("lock", "1", 60),
        cache.get_many(["a", "b"]),
        cache.has_key("total"),
        cache.delete("total"),
    )
    elapsed = time.monotonic() - started

    assert results == ("missing", False, {}, False, False)
    assert elapsed < 2.0


def test_after_a_failure_the_cache_stops_asking_redis_for_a_while() -> None:
    cache = _dead_cache()
    cache.get("warm-up")
    calls = []
    cache._cache.get = lambda *a, **k: calls.append(a)  # would answer if asked

    cache.get("total")

    assert calls == []


def _cache_backend(**env: str) -> str:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_URL", "DJANGO_SETTINGS_MODULE")
    }
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**clean, "MICROLENS_MODE": "local", "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


def test_cache_is_redis_when_redis_url_is_set_and_local_memory_otherwise() -> None:
    assert _cache_backend(REDIS_URL="redis://127.0.0.1:6379/5") == "core.cache.FailSoftRedisCache"
    assert _cache_backend() == "django.core.cache.backends.locmem.LocMemCache"
    assert _cache_backend(REDIS_URL="redis://127.0.0.1:6379/5", CACHE_URL="locmemcache://x") == (
        "django.core.cache.backends.locmem.LocMemCache"
    )


def test_operations_share_one_redis_client_and_round_trip() -> None:
    from tests.services import redis_url

    cache = FailSoftRedisCache(redis_url(), {"KEY_PREFIX": f"test-cache-{os.getpid()}-{time.time_ns()}"})

    cache.set("total", (42, 1.5), 60)
    added = (cache.add("lock", 1, 60), cache.add("lock", 1, 60))
    values = (cache.get("total"), cache.get_many(["total", "lock", "none"]), cache.incr("lock"))
    cache.delete_many(["total", "lock"])

    assert added == (True, False)
    assert values == ((42, 1.5), {"total": (42, 1.5), "lock": 1}, 2)
    assert cache.get("total", "gone") == "gone"
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
