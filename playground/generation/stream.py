"""Streamed answers: admitted and connected before the first byte (fallbacks apply until then),
then content deltas as they arrive, settled once at the end, however it ends."""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from catalog.models import AIModel
from playground.generation.answer import first_answer
from playground.generation.params import GenerationInput
from playground.generation.prepare import Prepared, generation_prepare
from playground.generation.settle import GenerationOutcome, provider_failure, settle, settle_cached, status_for
from providers.base import Adapter, ProviderError, StreamDelta, StreamEnd, ToolCall, ToolCallDelta
from usage.models import GenerationStatus

logger = logging.getLogger(__name__)


class _Delivered:
    """Choice 0 as far as it reached the consumer: what is recorded (and charged) if the stream
    does not reach its end."""

    def __init__(self) -> None:
        self.text: list[str] = []
        self.refusal: list[str] = []
        self.calls: dict[int, ToolCallDelta] = {}

    def note(self, item: StreamDelta) -> None:
        if item.index:
            return
        if item.content:
            self.text.append(item.content)
        if item.refusal:
            self.refusal.append(item.refusal)
        for delta in item.tool_calls or ():
            call = self.calls.setdefault(delta.index, ToolCallDelta(delta.index))
            call.id, call.name = call.id or delta.id, call.name or delta.name
            call.arguments += delta.arguments

    def tool_calls(self) -> list[ToolCall]:
        return [ToolCall(d.id or "", d.name or "", d.arguments) for _, d in sorted(self.calls.items())]


@dataclass
class GenerationStream:
    """An admitted, connected stream. Iterate `deltas()`; `outcome` is set once it has been settled."""

    prep: Prepared
    model: AIModel
    first: list[Any]
    upstream: AsyncIterator[Any] | None
    upstream_id: str = ""
    outcome: GenerationOutcome | None = None
    ttft_ms: int | None = None

    async def deltas(self) -> AsyncIterator[str]:
        """Choice 0's text deltas (see `pieces` for how it ends)."""
        async with contextlib.aclosing(self.pieces()) as pieces:
            async for piece in pieces:
                if piece.content and piece.index == 0:
                    yield piece.content

    async def pieces(self) -> AsyncIterator[StreamDelta]:
        """What the model says, as it arrives: text, tool-call fragments, log probabilities, per
        choice. Ends normally, raises ApiError after a mid-stream failure (recorded), and records a
        cancelled generation when the consumer goes away; what was delivered is recorded either way."""
        if self.prep.cached:
            self.outcome = out = await settle_cached(self.prep)
            calls = [ToolCallDelta(i, c.id, c.name, c.arguments, c.type) for i, c in enumerate(out.tool_calls)]
            yield StreamDelta(out.content, tool_calls=calls or None, refusal=out.refusal)
            return
        delivered = _Delivered()
        end: StreamEnd | None = None
        failure: ProviderError | None = None
        status = GenerationStatus.SUCCESS
        began = time.perf_counter()
        try:
            for item in self.first:
                if isinstance(item, StreamDelta):
                    delivered.note(item)
                    yield item
                elif isinstance(item, StreamEnd):
                    end = item
            if end is None and self.upstream is not None:
                began = time.perf_counter()
                async for item in self.upstream:
                    self.prep.upstream_seconds += time.perf_counter() - began
                    if isinstance(item, StreamEnd):
                        end = item
                        break
                    delivered.note(item)
                    yield item
                    began = time.perf_counter()
        except ProviderError as exc:
            self.prep.upstream_seconds += time.perf_counter() - began
            failure, status = exc, status_for(exc)
        except (asyncio.CancelledError, GeneratorExit):
            status = GenerationStatus.CANCELLED
            raise
        finally:
            await self._close_upstream()
            self.outcome = await settle(
                self.prep,
                model=self.model,
                content="".join(delivered.text),
                finish_reason=end.finish_reason if end else None,
                usage=end.usage if end else None,
                status=status,
                ttft_ms=self.ttft_ms,
                upstream_id=(end.upstream_id if end else None) or self.upstream_id,
                error=provider_failure(failure, self.prep.inp.request_id) if failure else None,
                tool_calls=end.tool_calls if end else delivered.tool_calls(),
                refusal="".join(delivered.refusal) or None,
                choices=end.choices if end else None,
            )
        if failure is not None:
            raise provider_failure(failure, self.prep.inp.request_id)

    async def _close_upstream(self) -> None:
        upstream, self.upstream = self.upstream, None
        if upstream is not None and hasattr(upstream, "aclose"):
            try:
                await asyncio.shield(upstream.aclose())  # closes the upstream HTTP connection
            except Exception:
                logger.debug("upstream close failed", exc_info=True)


async def _connect(prep: Prepared, adapter: Adapter, model: AIModel) -> tuple[AsyncIterator[Any], list[Any]]:
    """Open the upstream stream and read until the first content (or its end): errors before this
    point are still eligible for a fallback."""
    upstream = adapter.stream_chat(prep.chat_request(model))
    first: list[Any] = []
    try:
        async for item in upstream:
            first.append(item)
            if isinstance(item, StreamEnd) or (isinstance(item, StreamDelta) and (item.content or item.tool_calls)):
                break
    except BaseException:
        await upstream.aclose()  # type: ignore[attr-defined]
        raise
    return upstream, first


async def generation_stream(inp: GenerationInput, prepared: Prepared | None = None) -> GenerationStream:
    """Admit and connect; returns once the first content has arrived.

    Raises ApiError for refusals and for failures before the first byte (then recorded)."""
    prep = prepared or await generation_prepare(inp)
    if prep.cached:
        return GenerationStream(prep=prep, model=prep.requested, first=[], upstream=None, ttft_ms=0)
    model, (upstream, first) = await first_answer(prep, lambda adapter, model: _connect(prep, adapter, model))
    ttft = int((time.perf_counter() - prep.started) * 1000)
    return GenerationStream(prep=prep, model=model, first=first, upstream=upstream, ttft_ms=ttft)
