"""The Anthropic-shaped door (`POST /v1/messages`, `POST /v1/messages/count_tokens`): Anthropic's
request, response, stream and error shapes, so the official `anthropic` client (and the coding
agents built on it) work against any model of the catalog. API keys only, as `x-api-key` or
`Authorization: Bearer`; `anthropic-version` and `anthropic-beta` are accepted and not needed.

The body is translated to the chat request every door carries (OpenAI's shapes: content blocks to
parts, `tool_use` blocks to tool calls, `tool_result` blocks to tool messages) and built by
playground.generation.inputs.anthropic_input; the answer is translated back. Served by
config.gateway_handler, like the OpenAI-compatible door.
"""

import contextlib
import functools
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from accounts.authentication import authenticate, require_scope
from catalog.selectors import model_chain
from config.api.exceptions import ApiError
from config.memo import from_memory_or_thread
from playground.doors.base import generation_call, json_body, metered
from playground.doors.sse import EventStreamResponse
from playground.generation import GenerationOutcome, GenerationStream, generation_run, generation_stream
from playground.generation.chat_shapes import refuse
from playground.generation.inputs import anthropic_input
from playground.generation.params import refuse_unusable
from providers.base import StreamDelta, ToolCall
from providers.tokens import estimate_prompt_tokens, estimate_tokens
from usage.middleware import meters_itself
from usage.models import Door

View = Callable[[HttpRequest], Awaitable[HttpResponse]]

# Our error codes in Anthropic's words: (HTTP status, error type). See Anthropic's "Errors" page.
ERROR_TYPES: dict[str, tuple[int, str]] = {
    "VALIDATION_ERROR": (400, "invalid_request_error"),
    "AUTHENTICATION_ERROR": (401, "authentication_error"),
    "AUTHORIZATION_ERROR": (403, "permission_error"),
    "NOT_FOUND": (404, "not_found_error"),
    "METHOD_NOT_ALLOWED": (405, "invalid_request_error"),
    "RATE_LIMIT_EXCEEDED": (429, "rate_limit_error"),
    "QUOTA_EXCEEDED": (429, "rate_limit_error"),
    "PROVIDER_ERROR": (502, "api_error"),
    "SERVICE_UNAVAILABLE": (529, "overloaded_error"),
    "SERVER_ERROR": (500, "api_error"),
}
STOP_REASONS = {"stop": "end_turn", "length": "max_tokens", "tool_calls": "tool_use", "content_filter": "refusal"}
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


# ---- errors ------------------------------------------------------------------------------------


def error_body(exc: ApiError) -> dict[str, Any]:
    kind = ERROR_TYPES.get(exc.code, (exc.status, "api_error"))[1]
    if exc.code == "PROVIDER_ERROR" and exc.details.get("kind") == "timeout":
        kind = "timeout_error"
    return {"type": "error", "error": {"type": kind, "message": exc.message}}


def error_response(exc: ApiError, request_id: str = "") -> JsonResponse:
    """`exc` in Anthropic's shape with its status; the SDK's retry advice as `x-should-retry`."""
    status = ERROR_TYPES.get(exc.code, (exc.status, ""))[0]
    if exc.code == "PROVIDER_ERROR" and exc.details.get("kind") == "timeout":
        status = 504
    body = error_body(exc) | ({"request_id": request_id} if request_id else {})
    response = JsonResponse(body, status=status)
    if exc.code == "QUOTA_EXCEEDED" or (status < 500 and status != 429):
        response["x-should-retry"] = "false"
    for name, value in exc.headers.items():
        response[name] = value
    return response


# ---- the request, to OpenAI's shapes -----------------------------------------------------------


def _text(block: dict[str, Any], path: str) -> str:
    if not isinstance(block.get("text"), str):
        raise refuse(f"{path}.text", f"{path}.text: Input should be a valid string")
    return block["text"]


def _image(block: dict[str, Any], path: str) -> dict[str, Any]:
    source = block.get("source")
    kind = source.get("type") if isinstance(source, dict) else None
    if kind == "base64" and isinstance(source, dict):
        if source.get("media_type") not in IMAGE_TYPES:
            raise refuse(
                f"{path}.source.media_type", f"{path}.source.media_type must be one of {', '.join(IMAGE_TYPES)}."
            )
        if not isinstance(source.get("data"), str) or not source["data"]:
            raise refuse(f"{path}.source.data", f"{path}.source.data must be base64 text.")
        return {"type": "image_url", "image_url": {"url": f"data:{source['media_type']};base64,{source['data']}"}}
    if kind == "url" and isinstance(source, dict) and isinstance(source.get("url"), str):
        return {"type": "image_url", "image_url": {"url": source["url"]}}
    raise refuse(f"{path}.source", f"{path}.source must be a base64 or url image source.")


def _blocks(content: Any, path: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}]
    if not isinstance(content, list) or not content:
        raise refuse(path, f"{path} must be a string or a non-empty list of content blocks.")
    if not all(isinstance(block, dict) for block in content):
        raise refuse(path, f"{path} must hold content block objects.")
    return content


def _tool_result(block: dict[str, Any], path: str) -> dict[str, Any]:
    if not isinstance(block.get("tool_use_id"), str) or not block["tool_use_id"]:
        raise refuse(f"{path}.tool_use_id", f"{path}.tool_use_id: Field required")
    content = block.get("content", "")
    parts = [] if content == "" else _blocks(content, f"{path}.content")
    texts = []
    for index, part in enumerate(parts):
        if part.get("type") != "text":
            raise refuse(f"{path}.content[{index}].type", f"{path}.content[{index}]: only text tool results are taken.")
        texts.append(_text(part, f"{path}.content[{index}]"))
    text = "\n".join(texts)
    if block.get("is_error") is True:
        text = f"Error: {text}"
    return {"role": "tool", "tool_call_id": block["tool_use_id"], "content": text}


def _user_turn(content: Any, path: str) -> list[dict[str, Any]]:
    """A user turn: its tool results become tool messages (first, as OpenAI expects them right after
    the calls), the rest one user message with text and image parts."""
    results, parts = [], []
    for index, block in enumerate(_blocks(content, path)):
        where, kind = f"{path}[{index}]", block.get("type")
        if kind == "text":
            parts.append({"type": "text", "text": _text(block, where)})
        elif kind == "image":
            parts.append(_image(block, where))
        elif kind == "tool_result":
            results.append(_tool_result(block, where))
        else:
            raise refuse(f"{where}.type", f"{where}.type '{kind}' is not supported by this gateway.")
    if not parts:
        return results
    simple = len(parts) == 1 and parts[0]["type"] == "text"
    return [*results, {"role": "user", "content": parts[0]["text"] if simple else parts}]


def _assistant_turn(content: Any, path: str) -> dict[str, Any]:
    texts, calls = [], []
    for index, block in enumerate(_blocks(content, path)):
        where, kind = f"{path}[{index}]", block.get("type")
        if kind == "text":
            texts.append(_text(block, where))
        elif kind == "tool_use":
            if not isinstance(block.get("id"), str) or not isinstance(block.get("name"), str):
                raise refuse(where, f"{where} needs an id and a name.")
            if not isinstance(block.get("input"), dict):
                raise refuse(f"{where}.input", f"{where}.input must be an object.")
            arguments = json.dumps(block["input"], separators=(",", ":"))
            calls.append(
                {"id": block["id"], "type": "function", "function": {"name": block["name"], "arguments": arguments}}
            )
        else:
            raise refuse(f"{where}.type", f"{where}.type '{kind}' is not supported by this gateway.")
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) if texts or not calls else None}
    if calls:
        message["tool_calls"] = calls
    return message


def _system(system: Any) -> list[dict[str, Any]]:
    if system is None or system == "":
        return []
    if isinstance(system, list):
        system = "\n".join(_text(b, f"system[{i}]") for i, b in enumerate(_blocks(system, "system")))
    if not isinstance(system, str):
        raise refuse("system", "system must be a string or a list of text blocks.")
    return [{"role": "system", "content": system}]


def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise refuse("messages", "messages: Field required (a non-empty list).")
    chat = _system(body.get("system"))
    for index, message in enumerate(messages):
        path = f"messages[{index}]"
        role = message.get("role") if isinstance(message, dict) else None
        if role == "user":
            chat += _user_turn(message.get("content"), f"{path}.content")
        elif role == "assistant":
            chat.append(_assistant_turn(message.get("content"), f"{path}.content"))
        else:
            raise refuse(f"{path}.role", f"{path}.role must be user or assistant.")
    return chat


def _tools(tools: Any) -> list[dict[str, Any]] | None:
    if tools is None:
        return None
    if not isinstance(tools, list):
        raise refuse("tools", "tools must be a list.")
    clean = []
    for index, tool in enumerate(tools):
        path = f"tools[{index}]"
        if not isinstance(tool, dict) or tool.get("type", "custom") != "custom":
            kind = tool.get("type") if isinstance(tool, dict) else None
            raise refuse(f"{path}.type", f"{path}: only custom (client) tools are supported, not '{kind}'.")
        if not isinstance(tool.get("name"), str) or not isinstance(tool.get("input_schema"), dict):
            raise refuse(path, f"{path} needs a name and an input_schema object.")
        function = {"name": tool["name"], "parameters": tool["input_schema"]}
        if isinstance(tool.get("description"), str):
            function["description"] = tool["description"]
        clean.append({"type": "function", "function": function})
    return clean


def _tool_choice(choice: Any) -> tuple[Any, bool | None]:
    """(OpenAI's tool_choice, parallel_tool_calls) for Anthropic's tool_choice."""
    if choice is None:
        return None, None
    kind = choice.get("type") if isinstance(choice, dict) else None
    mapped = {"auto": "auto", "any": "required", "none": "none"}.get(str(kind))
    if kind == "tool" and isinstance(choice, dict) and isinstance(choice.get("name"), str):
        mapped = {"type": "function", "function": {"name": choice["name"]}}  # type: ignore[assignment]
    if mapped is None:
        raise refuse("tool_choice", "tool_choice.type must be auto, any, tool (with a name) or none.")
    serial = choice.get("disable_parallel_tool_use") if isinstance(choice, dict) else None
    return mapped, (False if serial is True else None)


def _output_config(config: Any) -> dict[str, Any]:
    """Structured output (`format`: a JSON schema) and `effort`, as response_format and reasoning_effort."""
    if config is None:
        return {}
    if not isinstance(config, dict) or set(config) - {"format", "effort"}:
        raise refuse("output_config", "output_config may hold format and effort.")
    options: dict[str, Any] = {"reasoning_effort": config.get("effort")}
    if (spec := config.get("format")) is not None:
        if not isinstance(spec, dict) or spec.get("type") != "json_schema" or not isinstance(spec.get("schema"), dict):
            raise refuse("output_config.format", "output_config.format must be {type: json_schema, schema}.")
        schema = {"name": "output", "schema": spec["schema"], "strict": True}
        options["response_format"] = {"type": "json_schema", "json_schema": schema}
    return options


def translate(body: dict[str, Any]) -> dict[str, Any]:
    """The messages, tools, tool choice and output options of an Anthropic body, in OpenAI's shapes."""
    tool_choice, parallel = _tool_choice(body.get("tool_choice"))
    return {
        "messages": _messages(body),
        "tools": _tools(body.get("tools")),
        "tool_choice": tool_choice,
        "parallel_tool_calls": parallel,
        **_output_config(body.get("output_config")),
    }


# ---- the answer, in Anthropic's shapes ---------------------------------------------------------


def _tool_input(arguments: str) -> dict[str, Any]:
    try:
        parsed = json.loads(arguments or "{}")
    except ValueError:
        return {"arguments": arguments}  # not JSON: passed on whole rather than lost
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def _tool_use(call: ToolCall) -> dict[str, Any]:
    return {"type": "tool_use", "id": call.id, "name": call.name, "input": _tool_input(call.arguments)}


def _stop_reason(out: GenerationOutcome) -> str:
    if out.tool_calls and out.finish_reason in (None, "stop", "tool_calls"):
        return "tool_use"
    return STOP_REASONS.get(out.finish_reason or "stop", "end_turn")


def _usage(out: GenerationOutcome) -> dict[str, Any]:
    u = out.usage
    return {
        "input_tokens": u.prompt_tokens - u.cached_tokens,
        "output_tokens": u.completion_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": u.cached_tokens,
    }


def message_json(out: GenerationOutcome) -> dict[str, Any]:
    content: list[dict[str, Any]] = [{"type": "text", "text": out.content}] if out.content else []
    content += [_tool_use(call) for call in out.tool_calls]
    return {
        "id": f"msg_{out.generation_id.hex}",
        "type": "message",
        "role": "assistant",
        "model": out.model.slug,
        "content": content,
        "stop_reason": _stop_reason(out),
        "stop_sequence": None,
        "usage": _usage(out),
    }


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps({'type': name, **data}, separators=(',', ':'))}\n\n".encode()


class _Blocks:
    """Anthropic's content blocks over the pieces of one choice: one open block at a time, a text
    block for text, a tool_use block per tool call (its arguments as input_json_delta)."""

    def __init__(self) -> None:
        self.count = 0
        self.open: tuple[str, int] | None = None  # ("text", -1) or ("tool", call index)
        self.tools: dict[int, int] = {}  # call index -> block index

    def _start(self, key: tuple[str, int], block: dict[str, Any]) -> list[bytes]:
        events = self.close()
        self.open = key
        self.count += 1
        return [*events, _event("content_block_start", {"index": self.count - 1, "content_block": block})]

    def close(self) -> list[bytes]:
        if self.open is None:
            return []
        self.open = None
        return [_event("content_block_stop", {"index": self.count - 1})]

    def feed(self, piece: StreamDelta) -> list[bytes]:
        events: list[bytes] = []
        if piece.content:
            if self.open != ("text", -1):
                events += self._start(("text", -1), {"type": "text", "text": ""})
            delta = {"type": "text_delta", "text": piece.content}
            events.append(_event("content_block_delta", {"index": self.count - 1, "delta": delta}))
        for call in piece.tool_calls or ():
            if call.index not in self.tools:
                block = {
                    "type": "tool_use",
                    "id": call.id or f"toolu_{uuid.uuid4().hex[:24]}",
                    "name": call.name or "",
                    "input": {},
                }
                events += self._start(("tool", call.index), block)
                self.tools[call.index] = self.count - 1
            if call.arguments:
                delta = {"type": "input_json_delta", "partial_json": call.arguments}
                events.append(_event("content_block_delta", {"index": self.tools[call.index], "delta": delta}))
        return events


async def _stream_body(stream: GenerationStream) -> AsyncIterator[bytes]:
    start = {
        "id": f"msg_{uuid.uuid4().hex}", "type": "message", "role": "assistant", "model": stream.model.slug,
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": estimate_prompt_tokens(stream.prep.inp.messages), "output_tokens": 0},
    }  # fmt: skip
    yield _event("message_start", {"message": start})
    blocks = _Blocks()
    try:
        async with contextlib.aclosing(stream.pieces()) as pieces:
            async for piece in pieces:
                if piece.index == 0:
                    for event in blocks.feed(piece):
                        yield event
    except ApiError as exc:
        yield _event("error", {"error": error_body(exc)["error"]})
        return
    for event in blocks.close():
        yield event
    out = stream.outcome
    assert out is not None  # pieces() settles before it ends
    delta = {"stop_reason": _stop_reason(out), "stop_sequence": None}
    yield _event("message_delta", {"delta": delta, "usage": _usage(out)})
    yield _event("message_stop", {})


# ---- the views ---------------------------------------------------------------------------------


def _post_only(view: View) -> View:
    """Another method than POST is a 405 in Anthropic's error shape, with `Allow`."""

    @functools.wraps(view)
    async def checked(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            response = error_response(
                ApiError("METHOD_NOT_ALLOWED", f"{request.method} is not allowed here; use POST.")
            )
            response["Allow"] = "POST"
            return response
        return await view(request)

    return csrf_exempt(checked)


def anthropic_post(view: View) -> View:
    """A POST view of this door that calls models: it meters itself (usage.middleware)."""
    return meters_itself(_post_only(view))


@anthropic_post
async def messages(request: HttpRequest) -> HttpResponse:
    request_id = getattr(request, "request_id", "")
    try:
        origin, body = await generation_call(request, Door.ANTHROPIC, keys_only=True)
        inp = anthropic_input(origin, body, translate(body))
        if body.get("stream") is True:
            stream = await generation_stream(inp)
            return metered(EventStreamResponse(_stream_body(stream)), stream.prep)
        out, prep = await generation_run(inp)
    except ApiError as exc:
        return error_response(exc, request_id)
    return metered(JsonResponse(message_json(out)), prep)


def _known_model(slug: str) -> None:
    chain = model_chain(slug)
    refuse_unusable(chain[0] if chain else None, slug)


@_post_only  # counted against the general API limit: it calls no model
async def count_tokens(request: HttpRequest) -> HttpResponse:
    """Anthropic's token count of a request (a local estimate: nothing is called, nothing charged)."""
    try:
        require_scope(await authenticate(request, keys_only=True), "ai:read")
        body = json_body(request)
        if not isinstance(body.get("model"), str) or not body["model"]:
            raise ApiError("VALIDATION_ERROR", "model: Field required", param="model")
        chat = translate(body)
        await from_memory_or_thread(_known_model, body["model"])
    except ApiError as exc:
        return error_response(exc, getattr(request, "request_id", ""))
    tools = json.dumps(chat["tools"]) if chat["tools"] else ""
    return JsonResponse({"input_tokens": estimate_prompt_tokens(chat["messages"]) + estimate_tokens(tools)})
