"""A Redis cache that degrades to a miss when Redis is unreachable (pages never depend on the cache)."""

from __future__ import annotations

import logging
import os
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# After a failure, skip Redis for this long: a request must not wait on a dead server once per call.
RETRY_AFTER_SECONDS = 5.0


# A sliding log of request times per caller (a sorted set scored by time), for API throttling: drop
# the entries older than the window, then log this request if fewer than the limit remain, in one
# atomic round trip. Replies {1, count including this request} or {0, count, oldest time as a string:
# Lua numbers would reach the client truncated to integers}.
REQUEST_LOG_LUA = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('EXPIRE', KEYS[1], math.ceil(window))
  return {1, count + 1}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, count, oldest[2]}
"""


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis cache client, but with one ``redis.Redis`` per connection pool for the process
    instead of a new one per operation (building it cost ~0.1 ms CPU, as much as a GET). A client on
    a connection pool is safe to share between threads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients.setdefault(id(pool), self._client(connection_pool=pool))
        return client


class FailSoftRedisCache(RedisCache):
    """Django's Redis cache, but every operation that fails on Redis acts as a miss (reads) or a no-op
    (writes; ``add`` says the key was not added, so a cache lock is never taken twice)."""

    _down_until = 0.0

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
        self._request_log_script: Any = None

    def _call(self, failed: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        return self._guarded(failed, getattr(super(), method), *args, **kwargs)

    def _guarded(self, failed: Any, function: Any, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._down_until:
            return failed
        try:
            return function(*args, **kwargs)
        except RedisError as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning("cache unavailable, treated as a miss for %ss: %s", RETRY_AFTER_SECONDS, exc)
            return failed

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._call(False, "add", key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._call(default, "get", key, default, version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> None:
        self._call(None, "set", key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._call(False, "touch", key, timeout, version)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._call(False, "delete", key, version)

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._call({}, "get_many", keys, version)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._call(False, "has_key", key, version)

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> list[Any]:
        return self._call(list(data), "set_many", data, timeout, version)

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._call(None, "delete_many", keys, version)

    def clear(self) -> bool:
        return self._call(False, "clear")

    def request_log_hit(
        self, key: str, *, now: float, window: float, limit: int
    ) -> tuple[bool, int, float | None] | None:
        """Log a request at ``now`` in ``key``'s sliding log unless ``limit`` requests were logged in
        the last ``window`` seconds (atomically, one round trip). Returns (logged, requests in the
        window, the oldest one's time when refused), or None when Redis is unreachable."""
        return self._guarded(None, self._request_log_hit, key, now, window, limit)

    def _request_log_hit(
        self, key: str, now: float, window: float, limit: int
    ) -> tuple[bool, int, float | None]:
        client = self._cache.get_client(key, write=True)
        if self._request_log_script is None:
            self._request_log_script = client.register_script(REQUEST_LOG_LUA)
        member = f"{now!r}:{os.urandom(6).hex()}"  # two requests in the same microsecond are two entries
        reply = self._request_log_script(
            keys=[self.make_and_validate_key(key)],
            args=[repr(now), repr(window), limit, member],
            client=client,
        )
        if reply[0] == 1:
            return True, int(reply[1]), None
        return False, int(reply[1]), float(reply[2])
