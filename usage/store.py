"""Where the counters live: the shared Redis in production, this process's memory otherwise.

Counters are never read-then-written from Python against Redis: every check-and-update is one
Lua script, so N web processes share one limit. Without Redis (the embedded default, LocMemCache)
the same operations run in Python under a process-wide lock on the local-memory cache, which is
correct for one web process only; the embedded default is single-process for web by design.
"""

import threading
from functools import cache as memoize
from typing import Any

from django.conf import settings
from django.core.cache import cache


def uses_redis() -> bool:
    return "django_redis" in settings.CACHES["default"]["BACKEND"]


@memoize
def redis_client() -> Any:
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def key(*parts: object) -> str:
    """Raw Redis keys share the cache's prefix, so clearing the cache clears the counters too."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return ":".join([prefix, "gw", *(str(p) for p in parts)]) if prefix else ":".join(["gw", *map(str, parts)])


# One lock for the in-process fallback: counters are read and written under it as a unit.
local_lock = threading.Lock()


def local_get(name: str, default: Any = None) -> Any:
    return cache.get(name, default)


def local_set(name: str, value: Any, ttl: float) -> None:
    cache.set(name, value, max(1, int(ttl)))
