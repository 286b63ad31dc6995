"""The OpenAI-compatible door (`/v1/...`): OpenAI's request, response and error shapes, API keys only,
so the official `openai` client works against it unchanged. Served by config.gateway_handler."""

import contextlib
import functools
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.authentication import authenticate, require_scope
from catalog.models import AIModel, ModelStatus
from config.api import openai
from config.api.exceptions import ApiError
from playground.doors.base import generation_call, metered
from playground.doors.sse import EventStreamResponse
from playground.generation import GenerationOutcome, GenerationStream
from playground.generation.choices import generation_choice_streams, generation_choices, merged_pieces
from playground.generation.inputs import flag, openai_input
from providers.base import Choice, StreamDelta, TokenLogprob
from usage.middleware import meters_itself
from usage.models import Door

V = TypeVar("V")


_COMPACT = json.JSONEncoder(separators=(",", ":"))


class _Chunks:
    """The `data:` events of one stream. Every chunk repeats the same id, object, created and model:
    that head is encoded once, and each chunk encodes only its choice (the same bytes as encoding
    the whole chunk, at a fraction of the cost per piece)."""

    def __init__(self, out_id: str, model: str, created: int, obj: str) -> None:
        head = {"id": out_id, "object": obj, "created": created, "model": model}
        self.head = b"data: " + _COMPACT.encode(head)[:-1].encode() + b',"choices":['

    def choice(self, choice: dict[str, Any]) -> bytes:
        return self.head + _COMPACT.encode(choice).encode() + b"]}\n\n"

    def usage(self, usage: dict[str, Any]) -> bytes:
        return self.head + b'],"usage":' + _COMPACT.encode(usage).encode() + b"}\n\n"


def _error_chunk(exc: ApiError) -> bytes:
    return b"data: " + json.dumps(openai.error_body(exc)).encode() + b"\n\n"


def openai_usage(outs: list[GenerationOutcome]) -> dict[str, Any]:
    """OpenAI's usage object (summed over the calls of one response), token details where OpenAI has them."""
    usages = [o.usage for o in outs]
    block: dict[str, Any] = {
        "prompt_tokens": sum(u.prompt_tokens for u in usages),
        "completion_tokens": sum(u.completion_tokens for u in usages),
        "total_tokens": sum(u.total_tokens for u in usages),
        "prompt_tokens_details": {"cached_tokens": sum(u.cached_tokens for u in usages)},
        "completion_tokens_details": {"reasoning_tokens": sum(u.reasoning_tokens for u in usages)},
    }
    if any(u.estimated for u in usages):
        block["estimated"] = True
    return block


def _logprobs(entries: list[TokenLogprob] | None) -> dict[str, Any] | None:
    return None if entries is None else {"content": [e.as_openai() for e in entries], "refusal": None}


def _stream_delta(piece: StreamDelta, first: bool) -> dict[str, Any]:
    delta: dict[str, Any] = {"role": "assistant"} if first else {}
    if piece.content:
        delta["content"] = piece.content
    if piece.tool_calls:
        delta["tool_calls"] = [call.as_openai() for call in piece.tool_calls]
    if piece.refusal:
        delta["refusal"] = piece.refusal
    return delta


async def _stream_body(streams: list[GenerationStream], include_usage: bool, chat: bool) -> AsyncIterator[bytes]:
    lead = streams[0]
    out_id = f"chatcmpl-{lead.prep.inp.user.pk:x}{int(time.time() * 1000):x}" if chat else f"cmpl-{id(lead):x}"
    obj = "chat.completion.chunk" if chat else "text_completion"
    chunks = _Chunks(out_id, lead.model.slug, int(time.time()), obj)
    started: set[int] = {0}

    def choice(piece: StreamDelta) -> dict[str, Any]:
        logprobs = _logprobs(piece.logprobs)
        if not chat:
            return {"index": piece.index, "text": piece.content, "finish_reason": None, "logprobs": logprobs}
        first = piece.index not in started
        started.add(piece.index)
        return {"index": piece.index, "delta": _stream_delta(piece, first), "finish_reason": None, "logprobs": logprobs}

    if chat:  # the first byte: the role, before the model's first words
        opening = {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None, "logprobs": None}
        yield chunks.choice(opening)
    try:
        # One stream is read directly (no merging layer per piece). aclosing: a client that leaves is
        # recorded now, not when the generator is collected.
        async with contextlib.aclosing(streams[0].pieces() if len(streams) == 1 else merged_pieces(streams)) as pieces:
            async for piece in pieces:
                yield chunks.choice(choice(piece))
    except ApiError as exc:
        yield _error_chunk(exc)
        return
    outs = [stream.outcome for stream in streams if stream.outcome is not None]
    for index, answered in enumerate(_choices(outs)):
        finish = _finish(answered)
        end = {"index": index, "delta": {}, "finish_reason": finish, "logprobs": None}
        if not chat:
            end = {"index": index, "text": "", "finish_reason": finish, "logprobs": None}
        yield chunks.choice(end)
    if include_usage:
        yield chunks.usage(openai_usage(outs))
    yield b"data: [DONE]\n\n"


def _choices(outs: list[GenerationOutcome]) -> list[Choice]:
    """The choices of one response: every choice of one call, or choice 0 of each of n calls."""
    if len(outs) == 1:
        return outs[0].all_choices()
    return [out.all_choices()[0] for out in outs]


def _finish(choice: Choice) -> str:
    if choice.tool_calls and choice.finish_reason in (None, "stop"):
        return "tool_calls"
    return choice.finish_reason or "stop"


def _message(choice: Choice) -> dict[str, Any]:
    message: dict[str, Any] = {
        "role": "assistant",
        "content": choice.content if choice.content or not choice.tool_calls else None,
        "refusal": choice.refusal,
    }
    if choice.tool_calls:
        message["tool_calls"] = [call.as_openai() for call in choice.tool_calls]
    return message


def _completion_json(outs: list[GenerationOutcome], chat: bool) -> dict[str, Any]:
    choices = []
    for index, answered in enumerate(_choices(outs)):
        if chat:
            choices.append(
                {
                    "index": index,
                    "message": _message(answered),
                    "finish_reason": _finish(answered),
                    "logprobs": _logprobs(answered.logprobs),
                }
            )
        else:
            choices.append(
                {"index": index, "text": answered.content, "finish_reason": _finish(answered), "logprobs": None}
            )
    lead = outs[0]
    return {
        "id": f"{'chatcmpl' if chat else 'cmpl'}-{lead.generation_id.hex}",
        "object": "chat.completion" if chat else "text_completion",
        "created": lead.created,
        "model": lead.model.slug,
        "choices": choices,
        "usage": openai_usage(outs),
        "system_fingerprint": None,
        "cached": all(out.cached for out in outs),
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
            streams = await generation_choice_streams(inp)
            response = EventStreamResponse(_stream_body(streams, include_usage, chat))
            return metered(response, *(stream.prep for stream in streams))
        answered = await generation_choices(inp)
    except ApiError as exc:
        return openai.error_response(exc)
    return metered(JsonResponse(_completion_json([out for out, _ in answered], chat)), *(p for _, p in answered))


def _only(method: str) -> Callable[[V], V]:
    """Like Django's require_http_methods, but the 405 is OpenAI's JSON error, with `Allow`."""

    def decorate(view: V) -> V:
        @functools.wraps(view)  # type: ignore[arg-type]
        async def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != method:
                refusal = ApiError("METHOD_NOT_ALLOWED", f"{request.method} is not allowed here; use {method}.")
                response = openai.error_response(refusal)
                response["Allow"] = method
                return response
            return await view(request, *args, **kwargs)  # type: ignore[operator]

        return checked  # type: ignore[return-value]

    return decorate


def openai_generation_post(view: V) -> V:
    """base.generation_post, with OpenAI's error for a wrong method."""
    return meters_itself(csrf_exempt(_only("POST")(view)))  # type: ignore[return-value]


@openai_generation_post
async def chat_completions(request: HttpRequest) -> HttpResponse:
    return await _complete(request, chat=True)


@openai_generation_post
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


@_only("GET")
async def models(request: HttpRequest) -> HttpResponse:
    try:
        require_scope(await authenticate(request, keys_only=True), "ai:read")
    except ApiError as exc:
        return openai.error_response(exc)
    return JsonResponse({"object": "list", "data": await sync_to_async(_usable_models)()})


@_only("GET")
async def model_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        require_scope(await authenticate(request, keys_only=True), "ai:read")
        found = await sync_to_async(_one_model)(slug)
        if found is None:
            raise ApiError("NOT_FOUND", f"The model '{slug}' does not exist.", param="model")
    except ApiError as exc:
        return openai.error_response(exc)
    return JsonResponse(found)
