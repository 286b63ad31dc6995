"""REST generation endpoints in the envelope: `/api/v1/ai/chat`, `/ai/generate`, `/ai/stream` (SSE)."""

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from playground.doors import (
    Caller,
    authenticate,
    client_ip,
    envelope,
    envelope_error,
    json_body,
    remember_admission,
    require_scope,
    set_overhead,
)
from playground.models import Conversation
from playground.services import GenerationError, GenerationInput, Outcome, generation_run, generation_stream
from playground.services.generation import GenerationStream

MAX_COMPARE = 4
MAX_N = 4
BATCH_SECONDS = 0.05  # deltas are merged for this long: one event per ~50 ms, not one per token
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class EventStreamResponse(StreamingHttpResponse):
    """A server-sent event stream that closes its generator the moment sending stops.

    Django closes only its own wrapper around the content; the generator inside (which holds the
    upstream call and records the generation when it ends) would be closed whenever garbage
    collection reaches it. A client that goes away must stop the upstream call and see the
    generation recorded as cancelled now.
    """

    def __init__(self, content: AsyncIterator[bytes], **kwargs: Any) -> None:
        kwargs.setdefault("content_type", "text/event-stream")
        headers = {**SSE_HEADERS, **kwargs.pop("headers", {})}
        super().__init__(content, headers=headers, **kwargs)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async with contextlib.aclosing(self._iterator) as parts:
            async for part in parts:
                yield self.make_bytes(part)


def _input(caller: Caller, request: HttpRequest, body: dict[str, Any], messages: Any, door: str) -> GenerationInput:
    model = body.get("model") or caller.user.default_model or "demo/swift"
    return GenerationInput(
        user=caller.user,
        model=str(model),
        messages=messages,
        max_tokens=body.get("max_tokens"),
        temperature=body.get("temperature"),
        top_p=body.get("top_p"),
        stop=body.get("stop"),
        presence_penalty=body.get("presence_penalty"),
        frequency_penalty=body.get("frequency_penalty"),
        seed=body.get("seed"),
        cache=body.get("cache") is True,
        door=door,
        api_key_id=caller.api_key_id,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )


def usage_block(out: Outcome) -> dict[str, Any]:
    u = out.usage
    block: dict[str, Any] = {
        "prompt_tokens": u.prompt_tokens,
        "completion_tokens": u.completion_tokens,
        "total_tokens": u.total_tokens,
    }
    if u.cached_tokens:
        block["cached_tokens"] = u.cached_tokens
    if u.reasoning_tokens:
        block["reasoning_tokens"] = u.reasoning_tokens
    if u.estimated:
        block["estimated"] = True
    return block


def _cost(out: Outcome) -> str | None:
    return None if out.cost is None else format(out.cost.normalize(), "f")


def sse(event: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


def metrics_event(out: Outcome, requested: str) -> dict[str, Any]:
    return {
        "type": "metrics",
        "model": requested,
        "answered_by": out.model.slug,
        "generation_id": str(out.generation_id),
        "tokens": out.usage.total_tokens,
        "usage": usage_block(out),
        "cost": _cost(out),
        "ttft_ms": out.ttft_ms,
        "duration_ms": out.duration_ms,
        "cached": out.cached,
        "status": out.status,
    }


def _chat_data(out: Outcome) -> dict[str, Any]:
    return {
        "id": f"chat-{out.generation_id}",
        "model": out.model.slug,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": out.content}, "finish_reason": out.finish_reason}
        ],
        "usage": usage_block(out),
        "cost": _cost(out),
        "cached": out.cached,
        "created": out.created,
    }


async def _single_stream_events(stream: GenerationStream, requested: str) -> AsyncIterator[bytes]:
    yield sse({"type": "status", "model": requested, "status": "streaming"})
    try:
        async with contextlib.aclosing(batched_deltas(stream.deltas())) as batches:
            async for text in batches:
                yield sse({"type": "chunk", "model": requested, "content": text})
    except GenerationError as exc:
        yield sse({"type": "error", "model": requested, "code": exc.code, "message": exc.message})
    if stream.outcome is not None:
        yield sse(metrics_event(stream.outcome, requested))
    yield sse({"type": "done"})


async def batched_deltas(deltas: AsyncIterator[str]) -> AsyncIterator[str]:
    """Merge deltas that arrive within BATCH_SECONDS of the last emitted one."""
    buffer: list[str] = []
    last = 0.0
    try:
        async for delta in deltas:
            buffer.append(delta)
            now = time.monotonic()
            if now - last >= BATCH_SECONDS:
                yield "".join(buffer)
                buffer.clear()
                last = now
        if buffer:
            yield "".join(buffer)
    except GenerationError:
        if buffer:  # what arrived before a mid-stream failure still reaches the client
            yield "".join(buffer)
        raise
    finally:
        await deltas.aclose()  # type: ignore[attr-defined]


@csrf_exempt
@require_POST
async def chat(request: HttpRequest) -> HttpResponse:
    try:
        caller = await authenticate(request)
        require_scope(caller, "ai:write")
        body = json_body(request)
        inp = _input(caller, request, body, body.get("messages"), "rest")
        if body.get("stream") is True:
            stream = await generation_stream(inp)
            remember_admission(request, stream.prep, caller)
            response = EventStreamResponse(_single_stream_events(stream, inp.model))
            set_overhead(response, stream.prep.overhead_ms())
            return response
        out, prep = await generation_run(inp)
    except GenerationError as exc:
        remember_admission(request, exc, locals().get("caller"))
        return envelope_error(exc)
    remember_admission(request, prep, caller)
    response = envelope(_chat_data(out))
    set_overhead(response, prep.overhead_ms())
    return response


@csrf_exempt
@require_POST
async def generate(request: HttpRequest) -> HttpResponse:
    try:
        caller = await authenticate(request)
        require_scope(caller, "ai:write")
        body = json_body(request)
        prompt, n = body.get("prompt"), body.get("n", 1)
        if not isinstance(prompt, str) or not prompt:
            raise GenerationError(
                "VALIDATION_ERROR", "prompt must be a non-empty string.", details={"prompt": ["Required."]}
            )
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
            raise GenerationError(
                "VALIDATION_ERROR",
                f"n must be between 1 and {MAX_N}.",
                details={"n": ["Out of range."], "allowed": {"min": 1, "max": MAX_N}},
            )
        messages = [{"role": "user", "content": prompt}]
        results = await asyncio.gather(
            *(generation_run(_input(caller, request, body, list(messages), "rest")) for _ in range(n)),
            return_exceptions=True,
        )
    except GenerationError as exc:
        remember_admission(request, exc, locals().get("caller"))
        return envelope_error(exc)
    answers = [r for r in results if not isinstance(r, BaseException)]
    if not answers:
        error = results[0]
        if isinstance(error, GenerationError):
            remember_admission(request, error, caller)
            return envelope_error(error)
        raise error  # type: ignore[misc]
    remember_admission(request, answers[-1][1], caller)
    outs = [out for out, _ in answers]
    data = {
        "id": f"gen-{outs[0].generation_id}",
        "model": outs[0].model.slug,
        "choices": [{"text": o.content, "index": i, "finish_reason": o.finish_reason} for i, o in enumerate(outs)],
        "usage": {
            key: sum(usage_block(o)[key] for o in outs)
            for key in ("prompt_tokens", "completion_tokens", "total_tokens")
        },
        "cost": None if any(o.cost is None for o in outs) else format(sum(o.cost for o in outs).normalize(), "f"),  # type: ignore[misc]
        "created": outs[0].created,
    }
    response = envelope(data)
    set_overhead(response, max(p.overhead_ms() for _, p in answers))
    return response


# --- many models, one event stream ---------------------------------------------------------------


async def _run_model(
    caller: Caller, request: HttpRequest, body: dict[str, Any], slug: str, queue: asyncio.Queue, conversation_id: Any
) -> Outcome | None:
    """One model of a comparison; everything it has to say goes into the shared queue."""
    await queue.put({"type": "status", "model": slug, "status": "queued"})
    inp = _input(caller, request, {**body, "model": slug}, [{"role": "user", "content": body["prompt"]}], "stream")
    inp.conversation_id = conversation_id
    stream: GenerationStream | None = None
    outcome: Outcome | None = None
    try:
        stream = await generation_stream(inp)
        await queue.put({"type": "status", "model": slug, "status": "streaming"})
        # aclosing: a cancelled task closes the upstream and records itself now, not at garbage collection.
        async with contextlib.aclosing(batched_deltas(stream.deltas())) as batches:
            async for text in batches:
                await queue.put({"type": "chunk", "model": slug, "content": text})
        outcome = stream.outcome
        await queue.put(metrics_event(outcome, slug))  # type: ignore[arg-type]
        await queue.put({"type": "status", "model": slug, "status": "done"})
    except GenerationError as exc:
        await queue.put({"type": "error", "model": slug, "code": exc.code, "message": exc.message})
        outcome = stream.outcome if stream is not None else None
        if outcome is not None:
            await queue.put(metrics_event(outcome, slug))
        await queue.put({"type": "status", "model": slug, "status": "error"})
    finally:
        await queue.put(None)  # this model has finished, one way or another
    return outcome


async def merge_model_events(
    start: Callable[[asyncio.Queue], list[asyncio.Task]], *, session: dict, done: dict, conversation_id: Any
) -> AsyncIterator[bytes]:
    """One event stream for several models: each task puts its events on the queue, then None."""
    yield sse(session)
    # The models start while the response is being sent, not in the view call that has already
    # returned: their tasks must live in the request's context for thread hops to keep working.
    queue: asyncio.Queue = asyncio.Queue()
    tasks = start(queue)
    try:
        running = len(tasks)
        while running:
            event = await queue.get()
            if event is None:
                running -= 1
                continue
            yield sse(event)
        yield sse(done)
    finally:
        # A client that went away cancels every upstream call; each records itself as cancelled.
        for task in tasks:
            task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        outcomes = [r for r in results if isinstance(r, Outcome)]
        await asyncio.shield(_conversation_totals(conversation_id, outcomes))


async def _conversation_totals(conversation_id: Any, outcomes: list[Outcome]) -> None:
    """Add one turn's figures to the conversation (a conversation has many turns)."""
    from decimal import Decimal

    from django.db.models import F, Value
    from django.db.models.functions import Coalesce

    costs = [o.cost for o in outcomes if o.cost is not None]
    changes: dict[str, Any] = {
        "generation_count": F("generation_count") + len(outcomes),
        "total_tokens": F("total_tokens") + sum(o.usage.total_tokens for o in outcomes),
    }
    if costs:
        changes["total_cost"] = Coalesce(F("total_cost"), Value(Decimal(0))) + sum(costs)
    await Conversation.objects.filter(pk=conversation_id).aupdate(**changes)


@require_GET
async def stream(request: HttpRequest) -> HttpResponse:
    """`?prompt=...&models=a,b,c`: up to four models answer at once over one SSE connection."""
    try:
        caller = await authenticate(request, allow_query_token=True)
        require_scope(caller, "ai:write")
        prompt = request.GET.get("prompt", "")
        slugs = list(dict.fromkeys(s.strip() for s in request.GET.get("models", "").split(",") if s.strip()))
        if not prompt:
            raise GenerationError("VALIDATION_ERROR", "prompt is required.", details={"prompt": ["Required."]})
        if not 1 <= len(slugs) <= MAX_COMPARE:
            raise GenerationError(
                "VALIDATION_ERROR",
                f"models must name between 1 and {MAX_COMPARE} models, comma-separated.",
                details={"models": ["Out of range."], "allowed": {"min": 1, "max": MAX_COMPARE}},
            )
    except GenerationError as exc:
        return envelope_error(exc)
    body: dict[str, Any] = {"prompt": prompt}
    for name in ("max_tokens", "temperature", "top_p"):
        if name in request.GET:
            body[name] = _query_number(request.GET[name])
    conversation = await Conversation.objects.acreate(owner=caller.user, title=prompt[:200], models=slugs)

    def start(queue: asyncio.Queue) -> list[asyncio.Task]:
        return [asyncio.create_task(_run_model(caller, request, body, s, queue, conversation.pk)) for s in slugs]

    return EventStreamResponse(
        merge_model_events(
            start,
            session={"type": "session", "session_id": str(conversation.pk), "models": conversation.models},
            done={"type": "done", "session_id": str(conversation.pk)},
            conversation_id=conversation.pk,
        )
    )


def _query_number(raw: str) -> Any:
    try:
        return int(raw)
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            return raw  # validation names the field and its range
