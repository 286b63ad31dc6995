"""The OpenAI-compatible door (`/v1/...`): OpenAI's request, response and error shapes, API keys only,
so the official `openai` client works against it unchanged. Served by config.gateway_handler."""

import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from accounts.authentication import authenticate, require_scope
from catalog.models import AIModel, ModelStatus
from config.api import openai
from config.api.exceptions import ApiError
from playground.doors.base import generation_call, generation_post, metered, usage_block
from playground.doors.sse import EventStreamResponse
from playground.generation import GenerationOutcome, GenerationStream, generation_run, generation_stream
from playground.generation.inputs import flag, openai_input
from usage.models import Door


def _chunk(out_id: str, model: str, created: int, obj: str, choice: dict[str, Any] | None, usage: Any = None) -> bytes:
    body: dict[str, Any] = {"id": out_id, "object": obj, "created": created, "model": model}
    body["choices"] = [choice] if choice is not None else []
    if usage is not None:
        body["usage"] = usage
    return b"data: " + json.dumps(body, separators=(",", ":")).encode() + b"\n\n"


def _error_chunk(exc: ApiError) -> bytes:
    return b"data: " + json.dumps(openai.error_body(exc)).encode() + b"\n\n"


async def _stream_body(stream: GenerationStream, include_usage: bool, chat: bool) -> AsyncIterator[bytes]:
    out_id = f"chatcmpl-{stream.prep.inp.user.pk:x}{int(time.time() * 1000):x}" if chat else f"cmpl-{id(stream):x}"
    obj = "chat.completion.chunk" if chat else "text_completion"
    created, model = int(time.time()), stream.model.slug

    def choice(text: str | None, finish: str | None, first: bool = False) -> dict[str, Any]:
        if not chat:
            return {"index": 0, "text": text or "", "finish_reason": finish, "logprobs": None}
        delta: dict[str, Any] = {"role": "assistant", "content": text or ""} if first else {}
        if text and not first:
            delta["content"] = text
        return {"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}

    if chat:
        yield _chunk(out_id, model, created, obj, choice("", None, first=True))
    try:
        async with contextlib.aclosing(stream.deltas()) as deltas:  # a client that leaves is recorded now
            async for text in deltas:
                yield _chunk(out_id, model, created, obj, choice(text, None))
    except ApiError as exc:
        yield _error_chunk(exc)
        return
    out = stream.outcome
    assert out is not None
    yield _chunk(out_id, model, created, obj, choice(None, out.finish_reason or "stop"))
    if include_usage:
        yield _chunk(out_id, model, created, obj, None, usage_block(out))
    yield b"data: [DONE]\n\n"


def _completion_json(out: GenerationOutcome, chat: bool) -> dict[str, Any]:
    if chat:
        choice: dict[str, Any] = {
            "index": 0,
            "message": {"role": "assistant", "content": out.content, "refusal": None},
            "finish_reason": out.finish_reason or "stop",
            "logprobs": None,
        }
    else:
        choice = {"index": 0, "text": out.content, "finish_reason": out.finish_reason or "stop", "logprobs": None}
    return {
        "id": f"{'chatcmpl' if chat else 'cmpl'}-{out.generation_id.hex}",
        "object": "chat.completion" if chat else "text_completion",
        "created": out.created,
        "model": out.model.slug,
        "choices": [choice],
        "usage": usage_block(out),
        "system_fingerprint": None,
        "cached": out.cached,
    }


def _messages(body: dict[str, Any], chat: bool) -> Any:
    if chat:
        return body.get("messages")
    prompt = body.get("prompt")
    prompt = "".join(prompt) if isinstance(prompt, list) and all(isinstance(p, str) for p in prompt) else prompt
    if not isinstance(prompt, str) or not prompt:
        raise ApiError("VALIDATION_ERROR", "prompt must be a non-empty string.", param="prompt")
    return [{"role": "user", "content": prompt}]


async def _complete(request: HttpRequest, *, chat: bool) -> HttpResponse:
    try:
        origin, body = await generation_call(request, Door.OPENAI, keys_only=True)
        inp = openai_input(origin, body, _messages(body, chat))
        if flag(body, "stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            stream = await generation_stream(inp)
            return metered(EventStreamResponse(_stream_body(stream, include_usage, chat)), stream.prep)
        out, prep = await generation_run(inp)
    except ApiError as exc:
        return openai.error_response(exc)
    return metered(JsonResponse(_completion_json(out, chat)), prep)


@generation_post
async def chat_completions(request: HttpRequest) -> HttpResponse:
    return await _complete(request, chat=True)


@generation_post
async def completions(request: HttpRequest) -> HttpResponse:
    return await _complete(request, chat=False)


def _model_json(model: AIModel) -> dict[str, Any]:
    return {
        "id": model.slug,
        "object": "model",
        "created": int(model.created_at.timestamp()),
        "owned_by": model.provider.slug,
        "kind": model.kind,  # chat, embedding, image or video: which endpoint serves it
    }


def _usable_models() -> list[dict[str, Any]]:
    models = AIModel.objects.select_related("provider").filter(
        is_active=True, provider__enabled=True, status__in=[ModelStatus.ACTIVE, ModelStatus.BETA]
    )
    return [_model_json(m) for m in models.order_by("slug")]


def _one_model(slug: str) -> dict[str, Any] | None:
    model = AIModel.objects.select_related("provider").filter(slug=slug).first()
    return _model_json(model) if model is not None and model.is_usable else None


@require_GET
async def models(request: HttpRequest) -> HttpResponse:
    try:
        require_scope(await authenticate(request, keys_only=True), "ai:read")
    except ApiError as exc:
        return openai.error_response(exc)
    return JsonResponse({"object": "list", "data": await sync_to_async(_usable_models)()})


@require_GET
async def model_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        require_scope(await authenticate(request, keys_only=True), "ai:read")
        found = await sync_to_async(_one_model)(slug)
        if found is None:
            raise ApiError("NOT_FOUND", f"The model '{slug}' does not exist.", param="model")
    except ApiError as exc:
        return openai.error_response(exc)
    return JsonResponse(found)
