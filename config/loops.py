"""Objects that belong to one event loop (pooled HTTP and Redis clients), closed when the loop ends.

A pooled client's connections are bound to the loop that opened them, so each loop gets its own.
Long-lived loops (the server's) close theirs at shutdown; short-lived ones (asyncio.run, and so
async_to_sync under WSGI, Celery or Django's test client) end without telling anyone. Every loop,
though, closes its running async generators before it closes: a generator started next to each
object closes the object then, so no connection outlives its loop.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass
class _Entry(Generic[T]):
    value: T
    closed: bool = False
    keeper: Any = None  # the generator whose closing closes `value`; referenced so it is not finalised early
    starter: Any = None


class PerLoop(Generic[T]):
    def __init__(
        self,
        make: Callable[[], T],
        close: Callable[[T], Awaitable[object]],
        usable: Callable[[T], bool] = lambda _: True,
    ) -> None:
        self._make = make
        self._close = close
        self._usable = usable
        self._entries: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Entry[T]] = weakref.WeakKeyDictionary()

    def get(self) -> T:
        """This loop's object, made on first use."""
        loop = asyncio.get_running_loop()
        entry = self._entries.get(loop)
        if entry is None or not self._usable(entry.value):
            entry = self._entries[loop] = _Entry(self._make())
            entry.keeper = self._keeper(entry)
            entry.starter = loop.create_task(self._start(entry.keeper))
        return entry.value

    async def close(self) -> None:
        """Close this loop's object now (server shutdown); the next `get` makes a new one."""
        entry = self._entries.pop(asyncio.get_running_loop(), None)
        if entry is not None:
            await self._close_once(entry)

    async def _close_once(self, entry: _Entry[T]) -> None:
        if not entry.closed:
            entry.closed = True
            await self._close(entry.value)

    async def _keeper(self, entry: _Entry[T]) -> AsyncIterator[None]:
        try:
            yield
        finally:
            # The entry holds the loop (through its task), so the weak key alone would never let go.
            loop = asyncio.get_running_loop()
            if self._entries.get(loop) is entry:
                del self._entries[loop]
            await self._close_once(entry)

    @staticmethod
    async def _start(keeper: AsyncIterator[None]) -> None:
        await anext(keeper)
