"""Our REST generation door, in the envelope: `POST /api/v1/ai/chat` (whole, or an event stream with
`"stream": true`) and `POST /api/v1/ai/generate` (a prompt, up to MAX_N answers)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from django.http import HttpRequest, HttpResponse

from config.api.envelope import envelope_response, error_response
from config.api.exceptions import ApiError
from config.money import money
from playground.doors.base import generation_call, generation_post, metered, usage_block
from playground.doors.sse import EventStreamResponse, answer_events, sse, status_event
from playground.generation import GenerationOutcome, GenerationStream, generation_run, generation_stream
from playground.generation.inputs import flag, rest_input
from usage.models import Door

MAX_N = 4  # answers to one prompt from /generate
TOKEN_TOTALS = ("prompt_tokens", "completion_tokens", "total_tokens")


def _chat_data(out: GenerationOutcome) -> dict[str, Any]:
    return {
        "id": f"chat-{out.generation_id}",
        "model": out.model.slug,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": out.content}, "finish_reason": out.finish_reason}
        ],
        "usage": usage_block(out),
        "cost": money(out.cost),
        "cached": out.cached,
        "created": out.created,
    }


async def _one_stream(stream: GenerationStream, model: str) -> AsyncIterator[bytes]:
    yield sse(status_event(model, "streaming"))
    async with contextlib.aclosing(answer_events(stream, model)) as events:
        async for event in events:
            yield sse(event)
    yield sse({"type": "done"})


@generation_post
async def chat(request: HttpRequest) -> HttpResponse:
    try:
        origin, body = await generation_call(request, Door.REST)
        inp = rest_input(origin, body, body.get("messages"))
        if flag(body, "stream"):
            stream = await generation_stream(inp)
            return metered(EventStreamResponse(_one_stream(stream, stream.prep.requested.slug)), stream.prep)
        out, prep = await generation_run(inp)
    except ApiError as exc:
        return error_response(exc)
    return metered(envelope_response(_chat_data(out)), prep)


def _prompt_and_n(body: dict[str, Any]) -> tuple[str, int]:
    prompt, n = body.get("prompt"), body.get("n", 1)
    if not isinstance(prompt, str) or not prompt:
        raise ApiError("VALIDATION_ERROR", "prompt must be a non-empty string.", {"prompt": ["Required."]})
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_N:
        details = {"n": ["Out of range."], "allowed": {"min": 1, "max": MAX_N}}
        raise ApiError("VALIDATION_ERROR", f"n must be between 1 and {MAX_N}.", details)
    return prompt, n


def _generate_data(outs: list[GenerationOutcome]) -> dict[str, Any]:
    costs = [o.cost for o in outs]
    return {
        "id": f"gen-{outs[0].generation_id}",
        "model": outs[0].model.slug,
        "choices": [{"text": o.content, "index": i, "finish_reason": o.finish_reason} for i, o in enumerate(outs)],
        "usage": {key: sum(usage_block(o)[key] for o in outs) for key in TOKEN_TOTALS},
        "cost": None if None in costs else money(sum(costs)),  # type: ignore[arg-type]
        "created": outs[0].created,
    }


@generation_post
async def generate(request: HttpRequest) -> HttpResponse:
    try:
        origin, body = await generation_call(request, Door.REST)
        prompt, n = _prompt_and_n(body)
        calls = (generation_run(rest_input(origin, body, [{"role": "user", "content": prompt}])) for _ in range(n))
        results = await asyncio.gather(*calls, return_exceptions=True)
        answers = [r for r in results if not isinstance(r, BaseException)]
        if not answers:
            raise results[0]  # type: ignore[misc]  (every call failed: the first reason answers)
    except ApiError as exc:
        return error_response(exc)
    return metered(envelope_response(_generate_data([out for out, _ in answers])), *(p for _, p in answers))
