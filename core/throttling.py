"""API throttles: DRF's anonymous, per-user and scoped rates, checked in one Redis round trip.

DRF's throttles keep each caller's request times as a pickled list in the cache: a GET and a SET per
request (~0.5 ms CPU and two round trips, more as the list grows towards the rate's 1,200 entries),
and two concurrent requests can both read the old list and both pass. On the Redis cache
(``core.cache.FailSoftRedisCache``) these keep the same sliding log as a sorted set, trimmed, counted
and appended by one Lua script: the same rates, the same 429 and Retry-After as DRF's, atomically.
With Redis unreachable a request is allowed (as DRF's throttles do on the fail-soft cache); on any
other cache (local memory: tests, ``make run`` without Redis) they are DRF's throttles unchanged.
"""

from __future__ import annotations

from typing import Any

from rest_framework import throttling


class SlidingLogThrottle(throttling.SimpleRateThrottle):
    """DRF's sliding-log rate check, as one atomic Redis call when the cache offers it."""

    def allow_request(self, request: Any, view: Any) -> bool:
        hit = getattr(self.cache, "request_log_hit", None)
        if hit is None or self.rate is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        result = hit(f"{self.key}:log", now=self.now, window=self.duration, limit=self.num_requests)
        if result is None:  # Redis unreachable: don't refuse requests for want of a counter
            return True
        allowed, self._count, self._oldest = result
        return allowed

    def wait(self) -> float | None:
        if not hasattr(self, "_count"):
            return super().wait()
        # DRF's wait() on a refused request: the time until the oldest logged request leaves the
        # window, spread over the requests that will then be free (one, as no more than the limit
        # are ever logged).
        remaining = self.duration - (self.now - self._oldest) if self._oldest is not None else self.duration
        available = self.num_requests - self._count + 1
        if available <= 0:
            return None
        return remaining / float(available)


class AnonRateThrottle(throttling.AnonRateThrottle, SlidingLogThrottle):
    """Anonymous callers, by IP address (the "anon" rate)."""


class UserRateThrottle(throttling.UserRateThrottle, SlidingLogThrottle):
    """Authenticated callers, by user (the "user" rate)."""


class ScopedRateThrottle(throttling.ScopedRateThrottle, SlidingLogThrottle):
    """Callers of views with a ``throttle_scope``, by user or IP address (that scope's rate)."""
