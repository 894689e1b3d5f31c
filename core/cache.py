"""A Redis cache that degrades to a miss when Redis is unreachable (pages never depend on the cache)."""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# After a failure, skip Redis for this long: a request must not wait on a dead server once per call.
RETRY_AFTER_SECONDS = 5.0


class FailSoftRedisCache(RedisCache):
    """Django's Redis cache, but every operation that fails on Redis acts as a miss (reads) or a no-op
    (writes; ``add`` says the key was not added, so a cache lock is never taken twice)."""

    _down_until = 0.0

    def _call(self, failed: Any, method: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() < self._down_until:
            return failed
        try:
            return getattr(super(), method)(*args, **kwargs)
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
