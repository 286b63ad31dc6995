"""Where the counters live: the shared Redis in production, this process's memory otherwise.

Counters are never read-then-written from Python against Redis: every check-and-update is one
Lua script, so N web processes share one limit. Without Redis (the embedded default, LocMemCache)
the same operations run in Python under a process-wide lock on the local-memory cache, which is
correct for one web process only; the embedded default is single-process for web by design.
"""

import asyncio
import threading
import weakref
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


# --- The event loop's client ---------------------------------------------------------------------
# The gateway's hot path talks to Redis from the event loop itself: a thread hop per counter call
# would cost more than the call. redis.asyncio connections belong to the loop that opened them, so
# each loop gets its own client; the weak key drops it with the loop.
_async_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
_async_scripts: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def async_redis() -> Any:
    """This loop's redis.asyncio client on the cache's Redis (same server, database and key prefix)."""
    import redis.asyncio as aredis

    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        options = settings.CACHES["default"].get("OPTIONS", {})
        client = aredis.Redis.from_url(
            settings.CACHES["default"]["LOCATION"],
            socket_connect_timeout=options.get("SOCKET_CONNECT_TIMEOUT", 2),
            socket_timeout=options.get("SOCKET_TIMEOUT", 2),
            max_connections=256,
        )
        _async_clients[loop] = client
    return client


async def run_script(name: str, source: str, *, keys: list[str], args: list[Any]) -> Any:
    """EVALSHA a Lua script from the loop; AsyncScript reloads it once if Redis lost its script cache."""
    client = async_redis()
    scripts = _async_scripts.setdefault(client, {})
    script = scripts.get(name)
    if script is None:
        script = scripts[name] = client.register_script(source)
    return await script(keys=keys, args=args)


async def close_async_redis() -> None:
    """Close this loop's client (server shutdown, end of an async test)."""
    client = _async_clients.pop(asyncio.get_running_loop(), None)
    if client is not None:
        await client.aclose()
