"""Identical deterministic requests (temperature 0, or `cache: true`) answered from the cache, per user."""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.cache import cache

_PREFIX = "respcache:v1:"
CACHEABLE_FINISH = frozenset({"stop", "length", None})


def key_for(*, user_id: int, model_slug: str, messages: list[dict[str, Any]], params: dict[str, Any]) -> str:
    blob = json.dumps([user_id, model_slug, messages, params], sort_keys=True, separators=(",", ":"))
    return _PREFIX + hashlib.sha256(blob.encode()).hexdigest()


def lookup(key: str) -> dict[str, Any] | None:
    return cache.get(key)


def store(key: str, answer: dict[str, Any]) -> None:
    if answer.get("finish_reason") in CACHEABLE_FINISH and settings.RESPONSE_CACHE_TTL > 0:
        cache.set(key, answer, settings.RESPONSE_CACHE_TTL)
