"""`n` > 1 for a model that answers one choice a call: n ordinary generations, each admitted,
metered and recorded on its own, answered together as the n choices of one response.

A model that takes `n` upstream (catalog `supports_n` and its adapter) answers in one call and
never comes here (Prepared.split_n is 1). If some of the n calls fail, the others are still
answered (they were charged); the response then has fewer choices. All failing is the first
failure.
"""

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable
from typing import TypeVar

from playground.generation.answer import generation_run
from playground.generation.params import GenerationInput
from playground.generation.prepare import Prepared, generation_prepare
from playground.generation.settle import GenerationOutcome
from playground.generation.stream import GenerationStream, generation_stream
from providers.base import StreamDelta

T = TypeVar("T")


def _one_choice(inp: GenerationInput) -> GenerationInput:
    return dataclasses.replace(inp, n=None)


async def _all_that_answer(first: Awaitable[T], rest: list[Awaitable[T]]) -> list[T]:
    results = await asyncio.gather(first, *rest, return_exceptions=True)
    answered = [r for r in results if not isinstance(r, BaseException)]
    if not answered:
        raise results[0]  # type: ignore[misc]
    return answered  # type: ignore[return-value]


async def generation_choices(inp: GenerationInput) -> list[tuple[GenerationOutcome, Prepared]]:
    """Whole answers: one outcome (with every choice) when one call answers n, else n outcomes."""
    prep = await generation_prepare(inp)
    if prep.split_n == 1:
        return [await generation_run(inp, prep)]
    rest = [generation_run(_one_choice(inp)) for _ in range(prep.split_n - 1)]
    return await _all_that_answer(generation_run(inp, prep), rest)


async def generation_choice_streams(inp: GenerationInput) -> list[GenerationStream]:
    """Streams, connected: one (whose pieces carry every choice's index) when one call answers n,
    else one per choice (see merged_pieces)."""
    prep = await generation_prepare(inp)
    if prep.split_n == 1:
        return [await generation_stream(inp, prep)]
    rest = [generation_stream(_one_choice(inp)) for _ in range(prep.split_n - 1)]
    return await _all_that_answer(generation_stream(inp, prep), rest)


async def merged_pieces(streams: list[GenerationStream]) -> AsyncIterator[StreamDelta]:
    """The pieces of one stream per choice, as they arrive, with stream i's pieces as choice i.
    A failure of one ends the whole (after the others have been closed and recorded)."""
    if len(streams) == 1:
        async with contextlib.aclosing(streams[0].pieces()) as pieces:
            async for piece in pieces:
                yield piece
        return
    queue: asyncio.Queue[tuple[int, StreamDelta | BaseException | None]] = asyncio.Queue()

    async def pump(index: int, stream: GenerationStream) -> None:
        try:
            async for piece in stream.pieces():
                await queue.put((index, dataclasses.replace(piece, index=index)))
            await queue.put((index, None))
        except Exception as exc:
            await queue.put((index, exc))

    tasks = [asyncio.create_task(pump(i, s)) for i, s in enumerate(streams)]
    try:
        running = len(tasks)
        while running:
            _, item = await queue.get()
            if item is None:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
