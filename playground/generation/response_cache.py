"""Identical deterministic requests (temperature 0, or `cache: true`) answered from the cache, per user.

Entries are JSON under raw keys of the shared Redis (or this process's memory without Redis), read
and written from the event loop.
"""

import hashlib
import json
from typing import Any

from django.conf import settings

from config import store

# A tool call is an answer like any other: the entry holds the calls (playground.generation.settle).
CACHEABLE_FINISH = frozenset({"stop", "length", "tool_calls", None})


def key_for(
    *,
    user_id: int,
    model_slug: str,
    messages: list[dict[str, Any]],
    params: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> str:
    """The entry of one request: everything sent upstream is in it, fields an operator lets through
    (`extra`) included, so requests that differ only there never share an answer."""
    parts: list[Any] = [user_id, model_slug, messages, params]
    if extra:
        parts.append(extra)
    blob = json.dumps(parts, sort_keys=True, separators=(",", ":"))
    return store.key("resp", "v3", hashlib.sha256(blob.encode()).hexdigest())


def _decode(raw: bytes | str | None) -> dict[str, Any] | None:
    return json.loads(raw) if raw else None


def _storable(answer: dict[str, Any]) -> bool:
    return answer.get("finish_reason") in CACHEABLE_FINISH and settings.RESPONSE_CACHE_TTL > 0


async def lookup_async(key: str) -> dict[str, Any] | None:
    if store.uses_redis():
        return _decode(await store.async_redis().get(key))
    return _decode(store.local_get(key))  # local memory: no I/O


async def store_answer_async(key: str, answer: dict[str, Any]) -> None:
    if not _storable(answer):
        return
    if store.uses_redis():
        await store.async_redis().set(key, json.dumps(answer), ex=settings.RESPONSE_CACHE_TTL)
    else:
        store.local_set(key, json.dumps(answer), settings.RESPONSE_CACHE_TTL)
