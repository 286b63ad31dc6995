"""Event streams: several models answering at once over one connection (`GET /api/v1/ai/stream`),
and the events every streaming door of ours speaks (the playground's turns use the same runner).

Events (design.md): `session`, then per model `status` (queued, streaming, then done, error or
cancelled), `chunk`, `error`, `metrics`; `done` ends the stream. Fields the playground backend plan
names differently are sent under both names (`session_id`/`sessionId`, `tokens`/`tokensUsed`,
`duration_ms`/`responseTime`), and a chunk carries its `timestamp` (milliseconds since the epoch).
"""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

from asgiref.sync import sync_to_async
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.authentication import authenticate, require_scope
from config.api.envelope import error_response
from config.api.exceptions import ApiError
from config.money import money
from playground.doors.base import caller_origin, json_body, usage_block
from playground.generation import MAX_MODELS, GenerationInput, GenerationOutcome, GenerationStream, generation_stream
from playground.generation.inputs import rest_input
from playground.models import Conversation, SessionStatus
from playground.search import search_index_turn
from providers.messages import text_of
from usage.middleware import meters_itself
from usage.models import Door

logger = logging.getLogger(__name__)
BATCH_SECONDS = 0.05  # deltas are merged for this long: one event per ~50 ms, not one per token
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
Stopped = Callable[[], Awaitable[bool]]


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


def sse(event: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(event, separators=(",", ":")).encode() + b"\n\n"


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
    except ApiError:
        if buffer:  # what arrived before a mid-stream failure still reaches the client
            yield "".join(buffer)
        raise
    finally:
        await deltas.aclose()  # type: ignore[attr-defined]


def status_event(model: str, status: str) -> dict[str, Any]:
    return {"type": "status", "model": model, "status": status}


def error_event(model: str, exc: ApiError) -> dict[str, Any]:
    return {"type": "error", "model": model, "code": exc.code, "message": exc.message}


def chunk_event(model: str, content: str) -> dict[str, Any]:
    return {"type": "chunk", "model": model, "content": content, "timestamp": int(time.time() * 1000)}


def session_ids(session_id: str) -> dict[str, str]:
    """A session's id by our name and by the playground backend plan's."""
    return {"session_id": session_id, "sessionId": session_id}


def metrics_event(out: GenerationOutcome, requested: str) -> dict[str, Any]:
    return {
        "type": "metrics",
        "model": requested,
        "answered_by": out.model.slug,
        "generation_id": str(out.generation_id),
        "tokens": out.usage.total_tokens,
        "tokensUsed": out.usage.total_tokens,
        "prompt_tokens": out.usage.prompt_tokens,
        "completion_tokens": out.usage.completion_tokens,
        "estimated": out.usage.estimated,
        "usage": usage_block(out),
        "cost": money(out.cost),
        "ttft_ms": out.ttft_ms,
        "duration_ms": out.duration_ms,
        "responseTime": out.duration_ms,
        "finish_reason": out.finish_reason,
        "cached": out.cached,
        "status": out.status,
    }


async def answer_events(stream: GenerationStream, model: str, stopped: Stopped | None = None) -> AsyncIterator[dict]:
    """What one connected model says: its chunks, an error if it fails midway, its metrics, and its
    final status (done, error, or cancelled when `stopped` says the user pressed Stop)."""
    final = "done"
    try:
        # aclosing: a consumer that goes away (or a Stop) closes the upstream and records the
        # generation now, not whenever the generator happens to be garbage-collected.
        async with contextlib.aclosing(batched_deltas(stream.deltas())) as batches:
            async for text in batches:
                yield chunk_event(model, text)
                if stopped is not None and await stopped():
                    final = "cancelled"
                    break
    except ApiError as exc:
        final = "error"
        yield error_event(model, exc)
    if stream.outcome is not None:
        if stream.outcome.tool_calls:  # assembled: the page shows the call and asks for its result
            calls = [call.as_openai() for call in stream.outcome.tool_calls]
            yield {"type": "tool_calls", "model": model, "tool_calls": calls}
        yield metrics_event(stream.outcome, model)
    yield status_event(model, final)


async def run_model(
    inp: GenerationInput, model: str, queue: asyncio.Queue, stopped: Stopped | None = None
) -> GenerationOutcome | None:
    """One model of a comparison: everything it has to say goes into the shared queue, then None."""
    stream: GenerationStream | None = None
    await queue.put(status_event(model, "queued"))
    try:
        stream = await generation_stream(inp)
        await queue.put(status_event(model, "streaming"))
        async with contextlib.aclosing(answer_events(stream, model, stopped)) as events:
            async for event in events:
                await queue.put(event)
    except ApiError as exc:  # refused, or failed before the first byte (then recorded)
        await queue.put(error_event(model, exc))
        await queue.put(status_event(model, "error"))
    except Exception:
        # Never leave a column hanging: an unexpected failure still ends this model's answer.
        logger.exception("model answer failed", extra={"model": model})
        await queue.put(error_event(model, ApiError("SERVER_ERROR", "Something went wrong.")))
        await queue.put(status_event(model, "error"))
    finally:
        await queue.put(None)  # this model has finished, one way or another
    return stream.outcome if stream is not None else None


async def merge_model_events(
    start: Callable[[asyncio.Queue], list[asyncio.Task]],
    *,
    session: dict,
    done: dict,
    conversation_id: Any,
    prompt: str = "",
) -> AsyncIterator[bytes]:
    """One event stream for several models: each task puts its events on the queue, then None."""
    yield sse(session)
    if conversation_id is not None:
        await Conversation.objects.filter(pk=conversation_id).aupdate(status=SessionStatus.STREAMING)
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
        outcomes = [r for r in results if isinstance(r, GenerationOutcome)]
        statuses = [o.status for o in outcomes]
        statuses += ["cancelled" for r in results if isinstance(r, asyncio.CancelledError)]
        status = SessionStatus.of_turn(statuses, len(tasks))
        await asyncio.shield(_conversation_totals(conversation_id, outcomes, status, prompt))


async def _conversation_totals(
    conversation_id: Any, outcomes: list[GenerationOutcome], status: str, prompt: str
) -> None:
    """Add one turn's figures and words to the conversation (a conversation has many turns), and its status."""
    costs = [o.cost for o in outcomes if o.cost is not None]
    changes: dict[str, Any] = {
        "status": status,
        "generation_count": F("generation_count") + len(outcomes),
        "total_tokens": F("total_tokens") + sum(o.usage.total_tokens for o in outcomes),
    }
    if costs:
        changes["total_cost"] = Coalesce(F("total_cost"), Value(Decimal(0))) + sum(costs)
    await Conversation.objects.filter(pk=conversation_id).aupdate(**changes)
    await sync_to_async(search_index_turn)(conversation_id, [prompt, *(o.content for o in outcomes)])


def _query_number(raw: str) -> Any:
    try:
        return int(raw)
    except ValueError:
        try:
            return float(raw)
        except ValueError:
            return raw  # validation names the field and its range


def _slugs(raw: Any) -> list[str]:
    names = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list) else []
    slugs = list(dict.fromkeys(s.strip() for s in names if isinstance(s, str) and s.strip()))
    if not 1 <= len(slugs) <= MAX_MODELS:
        raise ApiError(
            "VALIDATION_ERROR",
            f"models must name between 1 and {MAX_MODELS} models, comma-separated.",
            {"models": ["Out of range."], "allowed": {"min": 1, "max": MAX_MODELS}},
        )
    return slugs


def _query_request(request: HttpRequest) -> tuple[dict[str, Any], Any, list[str], str]:
    """GET `?prompt=...&models=a,b&max_tokens=...`: a prompt and the sampling numbers."""
    prompt = request.GET.get("prompt", "")
    if not prompt:
        raise ApiError("VALIDATION_ERROR", "prompt is required.", {"prompt": ["Required."]})
    slugs = _slugs(request.GET.get("models", ""))
    sampling = ("max_tokens", "temperature", "top_p")
    body = {name: _query_number(request.GET[name]) for name in sampling if name in request.GET}
    return body, [{"role": "user", "content": prompt}], slugs, prompt


def _body_request(request: HttpRequest) -> tuple[dict[str, Any], Any, list[str], str]:
    """POST, a JSON body: `models` (a list), `messages` (or `prompt`) and every field of /api/v1/ai/chat
    (tools, response_format, content parts ...), the same for each model."""
    body = json_body(request)
    slugs = _slugs(body.get("models"))
    messages = body.get("messages")
    if messages is None:
        if not isinstance(body.get("prompt"), str) or not body["prompt"]:
            raise ApiError("VALIDATION_ERROR", "messages or prompt is required.", {"messages": ["Required."]})
        messages = [{"role": "user", "content": body["prompt"]}]
    if not isinstance(messages, list) or not messages:
        raise ApiError("VALIDATION_ERROR", "messages must be a non-empty list.", {"messages": ["Not a list."]})
    fields = {k: v for k, v in body.items() if k not in ("models", "prompt", "stream")}
    return (
        fields,
        messages,
        slugs,
        text_of(messages[-1].get("content")) if messages and isinstance(messages[-1], dict) else "",
    )


@meters_itself
@csrf_exempt  # accounts.authentication checks CSRF for session callers
@require_http_methods(["GET", "POST"])
async def stream(request: HttpRequest) -> HttpResponse:
    """Up to MAX_MODELS models answer at once over one SSE connection: GET `?prompt=...&models=a,b,c`,
    or POST the whole chat request (JSON) with `models`."""
    try:
        caller = await authenticate(request, allow_query_token=request.method == "GET")
        require_scope(caller, "ai:write")
        body, messages, slugs, prompt = _query_request(request) if request.method == "GET" else _body_request(request)
        origin = caller_origin(request, caller, Door.STREAM)
        # Built before the stream starts: a field every model would refuse is a 400, not a broken stream.
        inputs: list[GenerationInput] = [rest_input(origin, {**body, "model": slug}, messages) for slug in slugs]
    except ApiError as exc:
        return error_response(exc)
    conversation = await Conversation.objects.acreate(owner=caller.user, title=prompt[:200], models=slugs)
    for built in inputs:
        built.conversation_id = conversation.pk

    def start(queue: asyncio.Queue) -> list[asyncio.Task]:
        return [asyncio.create_task(run_model(inp, slug, queue)) for inp, slug in zip(inputs, slugs, strict=True)]

    return EventStreamResponse(
        merge_model_events(
            start,
            session={"type": "session", **session_ids(str(conversation.pk)), "models": conversation.models},
            done={"type": "done", **session_ids(str(conversation.pk))},
            conversation_id=conversation.pk,
            prompt=prompt,
        )
    )
