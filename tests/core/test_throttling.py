"""API throttles on Redis: DRF's rates and 429s, one atomic round trip, fail-soft when Redis is down."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework import throttling as drf_throttling
from rest_framework.test import APIClient

from core import throttling
from core.cache import FailSoftRedisCache
from tests.services import redis_url

REDIS_OPTIONS = {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}


@pytest.fixture
def redis_cache(settings) -> Iterator[FailSoftRedisCache]:
    """The default cache on the real Redis (as in production), under a key prefix of its own."""
    prefix = f"test-throttle-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailSoftRedisCache",
            "LOCATION": redis_url(),
            "KEY_PREFIX": prefix,
            "OPTIONS": REDIS_OPTIONS,
        }
    }
    backend = caches["default"]
    assert isinstance(backend, FailSoftRedisCache)
    yield backend
    client = backend._cache.get_client(write=True)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def user_rate(monkeypatch):
    monkeypatch.setitem(drf_throttling.SimpleRateThrottle.THROTTLE_RATES, "user", "5/minute")


def test_a_user_past_the_rate_gets_429_with_retry_after(redis_cache, user_rate, brand_member) -> None:
    client = APIClient()
    client.force_login(brand_member)

    responses = [client.get("/api/me/") for _ in range(6)]

    assert [r.status_code for r in responses] == [200] * 5 + [429]
    assert 55 <= int(responses[-1]["Retry-After"]) <= 60
    assert "throttled" in responses[-1].json()["detail"].lower()


def test_each_user_has_a_rate_of_their_own(redis_cache, user_rate, brand_member, brand_viewer) -> None:
    first, second = APIClient(), APIClient()
    first.force_login(brand_member)
    second.force_login(brand_viewer)
    for _ in range(5):
        first.get("/api/me/")

    assert first.get("/api/me/").status_code == 429
    assert second.get("/api/me/").status_code == 200


class _Clock:
    """Times handed to the throttles in turn (DRF's throttles read ``timer``)."""

    def __init__(self, times: list[float]) -> None:
        self.times = iter(times)

    def __call__(self) -> float:
        return next(self.times)


class _DrfReference(drf_throttling.UserRateThrottle):
    """DRF's own per-user throttle on a fresh local-memory cache: the behaviour to keep."""

    cache = LocMemCache(f"drf-reference-{uuid.uuid4().hex}", {})


def _decisions(throttle_class: type, times: list[float], user: Any) -> list[tuple[bool, float | None]]:
    """Allowed?, and wait() when refused, for one request at each time (a new throttle per request,
    as DRF makes)."""
    clock = _Clock(times)
    request = SimpleNamespace(user=user)
    decisions = []
    for _ in times:
        throttle = throttle_class()
        throttle.timer = clock
        allowed = throttle.allow_request(request, None)
        decisions.append((allowed, None if allowed else round(throttle.wait(), 6)))
    return decisions


def test_decisions_and_waits_match_drfs_throttle(redis_cache, brand_member, monkeypatch) -> None:
    monkeypatch.setitem(drf_throttling.SimpleRateThrottle.THROTTLE_RATES, "user", "3/minute")
    # Three pass, two are refused, the first leaves the window exactly 60 s later (DRF drops entries
    # at or before now - duration), and so on.
    times = [1000.0, 1010.0, 1020.0, 1030.0, 1059.5, 1060.0, 1061.0, 1069.9, 1070.0, 1080.5, 1081.0]

    ours = _decisions(throttling.UserRateThrottle, times, brand_member)
    theirs = _decisions(_DrfReference, times, brand_member)

    assert ours == theirs
    assert ours == [
        (True, None),
        (True, None),
        (True, None),
        (False, 30.0),
        (False, 0.5),
        (True, None),
        (False, 9.0),
        (False, 0.1),
        (True, None),
        (True, None),
        (False, 39.0),
    ]
    log = redis_cache.make_key(f"throttle_user_{brand_member.pk}:log")
    assert redis_cache._cache.get_client(write=True).zcard(log) == 3  # ours kept its log on Redis


def test_concurrent_requests_never_pass_more_than_the_limit(redis_cache) -> None:
    allowed: list[bool] = []
    lock = threading.Lock()

    def hammer() -> None:
        for _ in range(40):
            hit = redis_cache.request_log_hit("throttle_user_race:log", now=time.time(), window=60, limit=100)
            with lock:
                allowed.append(hit[0])

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(allowed) == 240
    assert allowed.count(True) == 100


def test_unreachable_redis_lets_requests_through_quickly(settings, user_rate, brand_member) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailSoftRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": REDIS_OPTIONS,
        }
    }
    client = APIClient()
    client.force_login(brand_member)

    started = time.monotonic()
    statuses = [client.get("/api/me/").status_code for _ in range(8)]

    assert statuses == [200] * 8
    assert time.monotonic() - started < 5.0
