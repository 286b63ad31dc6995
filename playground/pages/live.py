"""Playground turns that outlive the page: the answers run on the server to the end, their events are
kept per turn, and any page load of the owner reads them from wherever it left off.

A turn's runner starts with the first request for its stream and is detached from that request: a
reload, a lost connection or a closed tab ends only that reader. Events go to a Redis stream per turn
(`XADD`, expiring with the turn), read with `XREAD` from the `Last-Event-ID` the browser sends back
when it reconnects; without Redis (the embedded default, one web process) an in-process list does
the same. Only Stop cancels a running answer.
"""

import asyncio
import contextvars
import itertools
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core.cache import cache
from django.db import connections

from config import store
from playground.doors.sse import merge_model_events, run_model, sse
from playground.generation.inputs import Origin, turn_input
from usage.models import Door

TURN_TTL = 3600  # a turn's events, its stop flags and its record as the conversation's running turn
READ_BLOCK_MS = 1000  # below the Redis client's socket timeout; an idle reader asks again
IDLE_LIMIT_SECONDS = 600  # a reader waiting this long on a turn that says nothing gives up
_STOP_KEY = "pg-stop:{}:{}"
_LIVE_KEY = "pg-live:{}"
ALL_MODELS = "*"
EVENT_ID = re.compile(r"\d{1,20}(-\d{1,20})?")  # a Last-Event-ID we wrote: a Redis stream id or a number
_DONE = sse({"type": "done"})  # the last event of every turn


class TurnLog(Protocol):
    async def append(self, token: str, frame: bytes) -> None: ...
    async def read(self, token: str, after: str) -> list[tuple[str, bytes]]: ...


class RedisTurnLog:
    """One Redis stream per turn: entries are the event frames, ids are what Last-Event-ID carries."""

    @staticmethod
    def _key(token: str) -> str:
        return store.key("pg", "turn", token)

    async def append(self, token: str, frame: bytes) -> None:
        redis = store.async_redis()
        async with redis.pipeline(transaction=False) as pipe:
            pipe.xadd(self._key(token), {"f": frame})
            pipe.expire(self._key(token), TURN_TTL)
            await pipe.execute()

    async def read(self, token: str, after: str) -> list[tuple[str, bytes]]:
        answer = await store.async_redis().xread({self._key(token): after or "0-0"}, block=READ_BLOCK_MS)
        return [(entry_id.decode(), fields[b"f"]) for _, entries in answer for entry_id, fields in entries]


class LocalTurnLog:
    """The same in this process's memory, for the embedded default's single web process."""

    def __init__(self) -> None:
        self.turns: dict[str, list[tuple[str, bytes]]] = {}
        self.numbers = itertools.count(1)

    async def append(self, token: str, frame: bytes) -> None:
        self.turns.setdefault(token, []).append((str(next(self.numbers)), frame))
        if frame == _DONE:
            asyncio.get_running_loop().call_later(TURN_TTL, self.turns.pop, token, None)

    async def read(self, token: str, after: str) -> list[tuple[str, bytes]]:
        last = int(after) if after.isdigit() else 0
        for _ in range(READ_BLOCK_MS // 50):
            entries = [(i, f) for i, f in self.turns.get(token, []) if int(i) > last]
            if entries:
                return entries
            await asyncio.sleep(0.05)
        return []


_local_log = LocalTurnLog()


def turn_log() -> TurnLog:
    return RedisTurnLog() if store.uses_redis() else _local_log


# --- Stop -------------------------------------------------------------------------------------------


def request_stop(token: str, model: str) -> None:
    cache.set(_STOP_KEY.format(token, model or ALL_MODELS), 1, TURN_TTL)


def _stop_check(token: str, slug: str) -> Callable[[], Awaitable[bool]]:
    """Whether Stop was pressed for this model, or for the whole turn (asked between batches of deltas)."""
    keys = [_STOP_KEY.format(token, slug), _STOP_KEY.format(token, ALL_MODELS)]

    async def stopped() -> bool:
        return bool(await cache.aget_many(keys))

    return stopped


# --- The conversation's running turn ---------------------------------------------------------------


def mark_running(conversation_id: str, turn: dict[str, Any]) -> None:
    """Remember the turn as running, so a reloaded conversation page shows it and reads its events."""
    cache.set(_LIVE_KEY.format(conversation_id), turn, TURN_TTL)


def running_turn(conversation_id: str) -> dict[str, Any] | None:
    return cache.get(_LIVE_KEY.format(conversation_id))


# --- The runner -------------------------------------------------------------------------------------

_runners: set[asyncio.Task] = set()  # strong references: a detached task is otherwise collectable


async def start_once(token: str, pending: dict[str, Any], user: Any) -> None:
    """Start the turn's runner unless some process already has (the first reader starts it)."""
    conversation_id = pending["conversation_id"]

    def frames() -> AsyncIterator[bytes]:
        return _turn_frames(pending, user, _stop_check_for(token))

    async def ended() -> None:
        # The page renders this conversation from the ledger from now on.
        live = await cache.aget(_LIVE_KEY.format(conversation_id))
        if live and live.get("token") == token:
            await cache.adelete(_LIVE_KEY.format(conversation_id))

    await run_once(token, frames, ended)


async def run_once(
    token: str, frames: Callable[[], AsyncIterator[bytes]], ended: Callable[[], Awaitable[None]] | None = None
) -> None:
    """Run a turn's event stream detached from any request, its frames kept in the turn's log, unless some
    process already runs it. `ended` is awaited before the final `done` is written. The arena's battles
    use this too."""
    if await cache.aadd(f"pg-run:{token}", 1, TURN_TTL):
        # A fresh context: the runner must not share the request's thread-sensitive executor, which
        # Django shuts down when the request ends; it gets its own for as long as it runs.
        task = asyncio.create_task(_run(token, frames, ended), context=contextvars.Context())
        _runners.add(task)
        task.add_done_callback(_runners.discard)


def _stop_check_for(token: str) -> Callable[[str], Callable[[], Awaitable[bool]]]:
    return lambda slug: _stop_check(token, slug)


def _turn_frames(
    pending: dict[str, Any], user: Any, stop_check: Callable[[str], Callable[[], Awaitable[bool]]]
) -> AsyncIterator[bytes]:
    origin = Origin(user=user, door=Door.PLAYGROUND, ip=pending["ip"], user_agent=pending["user_agent"])

    def start(queue: asyncio.Queue) -> list[asyncio.Task]:
        def answer(slug: str) -> Awaitable[object]:
            return run_model(turn_input(origin, pending, slug), slug, queue, stop_check(slug))

        return [asyncio.create_task(answer(slug)) for slug in pending["models"]]

    return merge_model_events(
        start,
        session={"type": "session", "conversation_id": pending["conversation_id"]},
        done={"type": "done"},  # not passed on: see _run
        conversation_id=pending["conversation_id"],
        prompt=pending.get("prompt", ""),
    )


async def _run(
    token: str, frames: Callable[[], AsyncIterator[bytes]], ended: Callable[[], Awaitable[None]] | None
) -> None:
    async with ThreadSensitiveContext():
        log = turn_log()
        try:
            async for frame in frames():
                if frame != _DONE:  # held back until the turn's figures are added up
                    await log.append(token, frame)
        finally:
            # The merged stream has ended and added the turn up; `done` is the last thing written.
            if ended is not None:
                await ended()
            await log.append(token, _DONE)
            # Django returns a request's connections when the request ends; this runner is no
            # request, so its thread gives back the database connection it holds itself.
            await sync_to_async(connections.close_all)()


async def replay(token: str, after: str) -> AsyncIterator[bytes]:
    """The turn's events after `after` (a Last-Event-ID), then the rest as they come, until `done`."""
    log = turn_log()
    yield b"retry: 1000\n\n"  # reconnect quickly after a dropped connection
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < IDLE_LIMIT_SECONDS:
        entries = await log.read(token, after)
        if not entries:
            yield b": waiting\n\n"  # also tells a proxy the connection is alive
            continue
        quiet_since = time.monotonic()
        for entry_id, frame in entries:
            after = entry_id  # where the next read starts
            yield b"id: " + entry_id.encode() + b"\n" + frame
            if frame == _DONE:
                return
