"""Where shared counters and queues live: the shared Redis in production, this process's memory otherwise.

Counters are never read-then-written from Python against Redis: every check-and-update is one
Lua script, so N web processes share one limit. Without Redis (the embedded default, LocMemCache)
the same operations run in Python under a process-wide lock on the local-memory cache, which is
correct for one web process only; the embedded default is single-process for web by design.
"""

import threading
from dataclasses import dataclass, field
from functools import cache as memoize
from typing import Any

from django.conf import settings
from django.core.cache import cache

from config.loops import PerLoop


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


def read_hashes(names: list[str]) -> list[dict[str, int]]:
    """Several hashes of integers in one round trip (an empty dict for a missing one)."""
    if not names:
        return []
    if uses_redis():
        pipe = redis_client().pipeline(transaction=False)
        for name in names:
            pipe.hgetall(name)
        return [{k.decode(): int(v) for k, v in raw.items()} for raw in pipe.execute()]
    return [dict(local_get(name, {})) for name in names]


# --- The event loop's client ---------------------------------------------------------------------
# The gateway's hot path talks to Redis from the event loop itself: a thread hop per counter call
# would cost more than the call. redis.asyncio connections belong to the loop that opened them, so
# each loop gets its own client, closed with the loop (config.loops).


@dataclass
class _LoopRedis:
    client: Any
    scripts: dict[str, Any] = field(default_factory=dict)  # registered on this client


def _new_async_redis() -> _LoopRedis:
    import redis.asyncio as aredis

    options = settings.CACHES["default"].get("OPTIONS", {})
    client = aredis.Redis.from_url(
        settings.CACHES["default"]["LOCATION"],
        socket_connect_timeout=options.get("SOCKET_CONNECT_TIMEOUT", 2),
        socket_timeout=options.get("SOCKET_TIMEOUT", 2),
        max_connections=256,
    )
    return _LoopRedis(client)


_async_redis: PerLoop[_LoopRedis] = PerLoop(make=_new_async_redis, close=lambda redis: redis.client.aclose())
_scripts: dict[str, Any] = {}


def async_redis() -> Any:
    """This loop's redis.asyncio client on the cache's Redis (same server, database and key prefix)."""
    return _async_redis.get().client


def run_script_sync(name: str, source: str, *, keys: list[str], args: list[Any]) -> Any:
    """EVALSHA a Lua script (register_script reloads it once if Redis lost its script cache)."""
    if name not in _scripts:
        _scripts[name] = redis_client().register_script(source)
    return _scripts[name](keys=keys, args=args)


async def run_script(name: str, source: str, *, keys: list[str], args: list[Any]) -> Any:
    """`run_script_sync` from the event loop, on this loop's client."""
    redis = _async_redis.get()
    if name not in redis.scripts:
        redis.scripts[name] = redis.client.register_script(source)
    return await redis.scripts[name](keys=keys, args=args)


async def close_async_redis() -> None:
    """Close this loop's client now (server shutdown)."""
    await _async_redis.close()
