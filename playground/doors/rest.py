"""Our REST generation door, in the envelope: `POST /api/v1/ai/chat` (whole, or an event stream with
`"stream": true`) and `POST /api/v1/ai/generate` (a prompt, up to MAX_N answers). With `"notify": true`
the outcome is also sent to the caller's webhooks (ai.task.completed / ai.task.failed)."""

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from django.http import HttpRequest, HttpResponse

from config.api.envelope import envelope_response, error_response
from config.api.exceptions import ApiError
from config.money import money
from playground.doors.base import choice_json, generation_call, generation_post, metered, usage_block
from playground.doors.sse import EventStreamResponse, answer_events, sse, status_event
from playground.generation import GenerationOutcome, GenerationStream, generation_stream
from playground.generation.choices import generation_choices
from playground.generation.inputs import Origin, flag, rest_input
from playground.jobs.events import notify_completed, notify_failed, wants_notify
from usage.models import Door, GenerationStatus

MAX_N = 4  # answers to one prompt from /generate
TOKEN_TOTALS = ("prompt_tokens", "completion_tokens", "total_tokens")


def _chat_data(outs: list[GenerationOutcome]) -> dict[str, Any]:
    """One answer, or the n choices of one (from one call, or one call each)."""
    lead = outs[0]
    choices = lead.all_choices() if len(outs) == 1 else [out.all_choices()[0] for out in outs]
    costs = [o.cost for o in outs]
    return {
        "id": f"chat-{lead.generation_id}",
        "model": lead.model.slug,
        "choices": [choice_json(index, choice) for index, choice in enumerate(choices)],
        "usage": usage_block(lead)
        if len(outs) == 1
        else {k: sum(usage_block(o)[k] for o in outs) for k in TOKEN_TOTALS},
        "cost": None if None in costs else money(sum(costs)),  # type: ignore[arg-type]
        "cached": all(o.cached for o in outs),
        "created": lead.created,
    }


async def _one_stream(
    stream: GenerationStream, model: str, user_id: int, task: dict[str, Any] | None
) -> AsyncIterator[bytes]:
    yield sse(status_event(model, "streaming"))
    async with contextlib.aclosing(answer_events(stream, model)) as events:
        async for event in events:
            yield sse(event)
    yield sse({"type": "done"})
    if task is not None:  # "notify": the whole answer has been sent; a client that left tells nobody
        out = stream.outcome
        if out is not None and out.status == GenerationStatus.SUCCESS:
            await notify_completed(user_id=user_id, task=task, result=_chat_data([out]))
        else:
            failure = out.error if out is not None and out.error else ApiError("SERVER_ERROR", "The answer failed.")
            await notify_failed(user_id=user_id, task=task, exc=failure)


def _task(request: HttpRequest, kind: str) -> dict[str, Any]:
    """A notified generation's task, named by the request's id (the response's X-Request-Id)."""
    return {"task_id": request.request_id, "type": kind}  # type: ignore[attr-defined]


async def _failed(request: HttpRequest, kind: str, origin: Origin | None, notify: bool, exc: ApiError) -> HttpResponse:
    if notify and origin is not None:
        await notify_failed(user_id=origin.user.pk, task=_task(request, kind), exc=exc)
    return error_response(exc)


@generation_post
async def chat(request: HttpRequest) -> HttpResponse:
    origin, notify = None, False
    try:
        origin, body = await generation_call(request, Door.REST)
        notify = wants_notify(body)
        inp = rest_input(origin, body, body.get("messages"))
        if flag(body, "stream"):
            if inp.choices > 1:
                raise ApiError("VALIDATION_ERROR", "n > 1 is answered whole here; stream one choice.", param="n")
            stream = await generation_stream(inp)
            task = _task(request, "chat") if notify else None
            events = _one_stream(stream, stream.prep.requested.slug, origin.user.pk, task)
            return metered(EventStreamResponse(events), stream.prep)
        answered = await generation_choices(inp)
    except ApiError as exc:
        return await _failed(request, "chat", origin, notify, exc)
    data = _chat_data([out for out, _ in answered])
    if notify:
        await notify_completed(user_id=origin.user.pk, task=_task(request, "chat"), result=data)
    return metered(envelope_response(data), *(p for _, p in answered))


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
    choices = outs[0].all_choices() if len(outs) == 1 else [o.all_choices()[0] for o in outs]
    return {
        "id": f"gen-{outs[0].generation_id}",
        "model": outs[0].model.slug,
        "choices": [{"text": c.content, "index": i, "finish_reason": c.finish_reason} for i, c in enumerate(choices)],
        "usage": {key: sum(usage_block(o)[key] for o in outs) for key in TOKEN_TOTALS},
        "cost": None if None in costs else money(sum(costs)),  # type: ignore[arg-type]
        "created": outs[0].created,
    }


@generation_post
async def generate(request: HttpRequest) -> HttpResponse:
    origin, notify = None, False
    try:
        origin, body = await generation_call(request, Door.REST)
        notify = wants_notify(body)
        prompt, _ = _prompt_and_n(body)
        # n answers: one call where the model takes n, else n metered calls (the first failure if all fail)
        fields = {k: v for k, v in body.items() if k != "prompt"}  # the prompt becomes the message
        answers = await generation_choices(rest_input(origin, fields, [{"role": "user", "content": prompt}]))
    except ApiError as exc:
        return await _failed(request, "generate", origin, notify, exc)
    data = _generate_data([out for out, _ in answers])
    if notify:
        await notify_completed(user_id=origin.user.pk, task=_task(request, "generate"), result=data)
    return metered(envelope_response(data), *(p for _, p in answers))
