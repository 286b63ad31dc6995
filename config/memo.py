"""Per-process copies of shared data that changes rarely: the catalog version, system settings,
whether a user stored provider keys, verified API keys.

The shared cache stays the source of truth. A process re-reads it at most once per `ttl`, so an
admin's change reaches every process within that time, and at once in the process that made it
(the change calls `forget`). This is what lets the gateway's hot path run from memory.

`memory_only()` marks code that must not do I/O (the event loop): inside it, a memo that would
have to load raises `Cold`, and the caller retries the same function off the loop, where loading
is allowed. One function, two modes, no duplicated logic.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Generic, TypeVar

T = TypeVar("T")

_memory_only: ContextVar[bool] = ContextVar("memo_memory_only", default=False)
_registry: list[Memo] = []


class Cold(Exception):
    """Raised under `memory_only()` when a value is not in this process's memory."""


@contextmanager
def memory_only() -> Iterator[None]:
    token = _memory_only.set(True)
    try:
        yield
    finally:
        _memory_only.reset(token)


def require_io() -> None:
    """Call before any database or cache access that a memo does not cover."""
    if _memory_only.get():
        raise Cold


class Memo(Generic[T]):
    """A small TTL map. Values are never None (`peek` means "absent" by it) and must be treated as
    read-only by callers: they are shared."""

    def __init__(self, name: str, ttl: float, max_items: int = 10_000) -> None:
        self.name = name
        self.ttl = ttl
        self.max_items = max_items
        self._items: dict[Hashable, tuple[float, T]] = {}
        _registry.append(self)

    def peek(self, key: Hashable) -> T | None:
        hit = self._items.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def put(self, key: Hashable, value: T) -> T:
        if len(self._items) >= self.max_items:
            self._items.clear()  # bounded memory; the next calls reload what they need
        self._items[key] = (time.monotonic() + self.ttl, value)
        return value

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        hit = self.peek(key)
        if hit is not None:
            return hit
        require_io()
        return self.put(key, load())

    def forget(self, key: Hashable | None = None) -> None:
        if key is None:
            self._items.clear()
        else:
            self._items.pop(key, None)


def forget_all() -> None:
    """Drop every memo of this process (tests, and after the shared cache is cleared)."""
    for memo in _registry:
        memo.forget()


def _with_released_connections(fn: Callable[..., T]) -> Callable[..., T]:
    def run(*args: object, **kwargs: object) -> T:
        from django.db import close_old_connections, connection

        try:
            return fn(*args, **kwargs)
        finally:
            # Threads that serve the event loop outlive requests; hand the connection back to the
            # pool. Not inside a transaction that a sync caller holds open on this thread.
            if not connection.in_atomic_block:
                close_old_connections()

    return run


async def from_memory_or_thread(fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Run `fn` on the loop when everything it needs is in memory; otherwise in a thread, where its
    memos may load from the cache or the database."""
    from asgiref.sync import sync_to_async

    try:
        with memory_only():
            return fn(*args, **kwargs)
    except Cold:
        return await sync_to_async(_with_released_connections(fn))(*args, **kwargs)
