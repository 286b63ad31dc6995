"""OpenAI's Responses API (`/v1/responses`): its request, response, stream and error shapes, so the
official `openai` client's `responses` (and the coding agents built on it) work against any model
of the catalog. API keys only; errors in OpenAI's shape (config.api.openai).

The input (a string, or items: messages with input_text / input_image parts, function_call and
function_call_output items), `instructions`, tools and `text.format` are translated to the chat
request every door carries and built by playground.generation.inputs.responses_input; the answer
is translated back to output items. Every provider is served this way, whatever it speaks.

With `store` (the default) the response is kept (playground.models.StoredResponse): it can be read
back, listed, deleted, and continued with `previous_response_id` by its owner only. Reading or
deleting it never charges and never touches the ledger row of the call that made it.
"""

import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from accounts.authentication import authenticate, require_scope
from config.api import openai
from config.api.exceptions import ApiError
from config.memo import from_memory_or_thread, require_io
from playground.doors.base import generation_call, metered
from playground.doors.openai import openai_generation_post
from playground.doors.sse import EventStreamResponse
from playground.generation import GenerationOutcome, GenerationStream, generation_run, generation_stream
from playground.generation.chat_shapes import refuse
from playground.generation.inputs import responses_input
from playground.models import StoredResponse
from providers.base import StreamDelta
from usage.models import Door

T = TypeVar("T")
MAX_LIST = 100


async def _in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Database work of this door, off the event loop (with the connection handed back after)."""

    def run() -> T:
        require_io()
        return fn(*args)

    return await from_memory_or_thread(run)


# ---- the request, to the chat request's shapes -------------------------------------------------


def _part(part: Any, path: str, role: str) -> dict[str, Any]:
    kind = part.get("type") if isinstance(part, dict) else None
    if kind in ("input_text", "output_text", "text") and isinstance(part, dict):
        if not isinstance(part.get("text"), str):
            raise refuse(f"{path}.text", f"{path}.text must be a string.")
        return {"type": "text", "text": part["text"]}
    if kind == "input_image" and role == "user" and isinstance(part, dict):
        url = part.get("image_url")
        if not isinstance(url, str):
            raise refuse(
                f"{path}.image_url", f"{path}.image_url must be a URL or a data:image/ URI (file_id is not taken)."
            )
        image: dict[str, Any] = {"url": url}
        if part.get("detail") is not None:
            image["detail"] = part["detail"]
        return {"type": "image_url", "image_url": image}
    raise refuse(f"{path}.type", f"{path}.type '{kind}' is not supported here.")


def _content(content: Any, path: str, role: str) -> Any:
    if isinstance(content, str):
        return content
    if not isinstance(content, list) or not content:
        raise refuse(path, f"{path} must be a string or a non-empty list of content parts.")
    parts = [_part(part, f"{path}[{index}]", role) for index, part in enumerate(content)]
    # Only user messages take parts everywhere (images); the others are their text.
    return parts if role == "user" else "".join(p["text"] for p in parts)


def _call_message(chat: list[dict[str, Any]]) -> dict[str, Any]:
    """The assistant message a function_call item joins: the last one if it is the latest message."""
    if chat and chat[-1]["role"] == "assistant":
        return chat[-1]
    chat.append({"role": "assistant", "content": None})
    return chat[-1]


def _function_call(item: dict[str, Any], path: str, chat: list[dict[str, Any]]) -> None:
    if not all(isinstance(item.get(name), str) for name in ("call_id", "name", "arguments")):
        raise refuse(path, f"{path} needs call_id, name and arguments (JSON text).")
    message = _call_message(chat)
    call = {
        "id": item["call_id"],
        "type": "function",
        "function": {"name": item["name"], "arguments": item["arguments"]},
    }
    message.setdefault("tool_calls", []).append(call)
    if message.get("content") == "":
        message["content"] = None


def _function_output(item: dict[str, Any], path: str) -> dict[str, Any]:
    output = item.get("output")
    if isinstance(output, list):
        output = "".join(_part(p, f"{path}.output[{i}]", "tool")["text"] for i, p in enumerate(output))
    if not isinstance(item.get("call_id"), str) or not isinstance(output, str):
        raise refuse(path, f"{path} needs a call_id and an output string.")
    return {"role": "tool", "tool_call_id": item["call_id"], "content": output}


def _input_messages(value: Any) -> list[dict[str, Any]]:
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if not isinstance(value, list) or not value:
        raise refuse("input", "input must be a string or a non-empty list of input items.")
    chat: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        path = f"input[{index}]"
        kind = item.get("type", "message") if isinstance(item, dict) else None
        if (
            kind == "message"
            and isinstance(item, dict)
            and item.get("role") in ("user", "system", "developer", "assistant")
        ):
            chat.append(
                {"role": item["role"], "content": _content(item.get("content"), f"{path}.content", item["role"])}
            )
        elif kind == "function_call" and isinstance(item, dict):
            _function_call(item, path, chat)
        elif kind == "function_call_output" and isinstance(item, dict):
            chat.append(_function_output(item, path))
        else:
            raise refuse(f"{path}.type", f"{path}: input items of type '{kind}' are not supported here.")
    return chat


def _tools(tools: Any) -> list[dict[str, Any]] | None:
    if tools is None or tools == []:
        return None
    if not isinstance(tools, list):
        raise refuse("tools", "tools must be a list.")
    clean = []
    for index, tool in enumerate(tools):
        if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(tool.get("name"), str):
            kind = tool.get("type") if isinstance(tool, dict) else None
            raise refuse(f"tools[{index}].type", f"tools[{index}]: only function tools are supported, not '{kind}'.")
        function = {k: tool[k] for k in ("name", "description", "parameters", "strict") if tool.get(k) is not None}
        clean.append({"type": "function", "function": function})
    return clean


def _tool_choice(choice: Any) -> Any:
    if choice is None or isinstance(choice, str):
        return choice
    if isinstance(choice, dict) and choice.get("type") == "function" and isinstance(choice.get("name"), str):
        return {"type": "function", "function": {"name": choice["name"]}}
    raise refuse("tool_choice", "tool_choice must be none, auto, required or {type: function, name}.")


def _response_format(text: Any) -> dict[str, Any] | None:
    if text is None:
        return None
    if not isinstance(text, dict) or set(text) - {"format"}:
        raise refuse("text", "text may only hold format (verbosity is not supported here).")
    spec = text.get("format")
    if spec is None or not isinstance(spec, dict) or spec.get("type") != "json_schema":
        return spec
    schema = {k: spec[k] for k in ("name", "schema", "strict", "description") if k in spec}
    return {"type": "json_schema", "json_schema": schema}


def _reasoning_effort(reasoning: Any) -> Any:
    if reasoning is None:
        return None
    if not isinstance(reasoning, dict) or any(reasoning.get(k) is not None for k in set(reasoning) - {"effort"}):
        raise refuse("reasoning", "reasoning may only hold effort (summaries are not supported here).")
    return reasoning.get("effort")


def _translate(body: dict[str, Any], history: list[dict[str, Any]]) -> dict[str, Any]:
    instructions = body.get("instructions")
    if instructions is not None and not isinstance(instructions, str):
        raise refuse("instructions", "instructions must be a string.")
    turn = _input_messages(body.get("input"))
    system = [{"role": "system", "content": instructions}] if instructions else []
    return {
        "messages": [*system, *history, *turn],
        "turn": turn,
        "tools": _tools(body.get("tools")),
        "tool_choice": _tool_choice(body.get("tool_choice")),
        "response_format": _response_format(body.get("text")),
        "reasoning_effort": _reasoning_effort(body.get("reasoning")),
    }


# ---- the answer, as output items ---------------------------------------------------------------


@dataclass
class _Ids:
    """The ids of one response and its output items, the same whether streamed or not."""

    hex: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def response(self) -> str:
        return f"resp_{self.hex}"

    @property
    def message(self) -> str:
        return f"msg_{self.hex}"

    def call(self, index: int) -> str:
        return f"fc_{self.hex}{index:02d}"


def _message_item(ids: _Ids, text: str, status: str = "completed") -> dict[str, Any]:
    content = (
        [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}] if status == "completed" else []
    )
    return {"type": "message", "id": ids.message, "status": status, "role": "assistant", "content": content}


def _call_item(
    ids: _Ids, index: int, call_id: str, name: str, arguments: str, status: str = "completed"
) -> dict[str, Any]:
    item = {"type": "function_call", "id": ids.call(index), "call_id": call_id, "name": name}
    return item | {"arguments": arguments, "status": status}


def _output(ids: _Ids, out: GenerationOutcome) -> list[dict[str, Any]]:
    items = [_message_item(ids, out.content)] if out.content or not out.tool_calls else []
    items += [_call_item(ids, i, c.id, c.name, c.arguments) for i, c in enumerate(out.tool_calls)]
    return items


def _usage(out: GenerationOutcome) -> dict[str, Any]:
    u = out.usage
    return {
        "input_tokens": u.prompt_tokens,
        "input_tokens_details": {"cached_tokens": u.cached_tokens},
        "output_tokens": u.completion_tokens,
        "output_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
        "total_tokens": u.total_tokens,
    }


def _response(ids: _Ids, body: dict[str, Any], created: int, status: str = "in_progress") -> dict[str, Any]:
    """The response object before its output (what response.created carries), echoing the request."""
    text = body.get("text") if isinstance(body.get("text"), dict) else {}
    reasoning = body.get("reasoning") if isinstance(body.get("reasoning"), dict) else {}
    echoed = {name: body.get(name) for name in ("instructions", "model", "max_output_tokens", "user")}
    echoed |= {"previous_response_id": body.get("previous_response_id"), "metadata": body.get("metadata") or {}}
    return {
        "id": ids.response,
        "object": "response",
        "created_at": created,
        "status": status,
        "error": None,
        "incomplete_details": None,
        **echoed,
        "output": [],
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "reasoning": {"effort": (reasoning or {}).get("effort"), "summary": None},
        "store": body.get("store", True) is not False,
        "temperature": body.get("temperature", 1.0),
        "text": {"format": (text or {}).get("format") or {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": "disabled",
        "usage": None,
    }


def _finished(ids: _Ids, body: dict[str, Any], created: int, out: GenerationOutcome) -> dict[str, Any]:
    incomplete = out.finish_reason == "length"
    done = _response(ids, body, created, "incomplete" if incomplete else "completed")
    done["incomplete_details"] = {"reason": "max_output_tokens"} if incomplete else None
    return done | {"output": _output(ids, out), "usage": _usage(out), "model": out.model.slug}


# ---- storing ----------------------------------------------------------------------------------


def _input_items(ids: _Ids, value: Any) -> list[dict[str, Any]]:
    """This response's input as GET .../input_items lists it: every item with an id."""
    items = [dict(item) for item in ([{"role": "user", "content": value}] if isinstance(value, str) else value)]
    for index, item in enumerate(items):
        item.setdefault("type", "message")
        if isinstance(item.get("content"), str):
            part = "output_text" if item.get("role") == "assistant" else "input_text"
            item["content"] = [{"type": part, "text": item["content"]}]
        item.setdefault("id", f"item_{ids.hex}{index:03d}")
        if item["type"] == "message":
            item.setdefault("status", "completed")
    return items


def _turn(chat: dict[str, Any], out: GenerationOutcome) -> list[dict[str, Any]]:
    """What a response continuing this one is sent for it: this turn's input, then the answer."""
    answer: dict[str, Any] = {
        "role": "assistant",
        "content": out.content if out.content or not out.tool_calls else None,
    }
    if out.tool_calls:
        answer["tool_calls"] = [call.as_openai() for call in out.tool_calls]
    return [*chat["turn"], answer]


def _store(
    user: Any, ids: _Ids, request: dict[str, Any], chat: dict[str, Any], out: GenerationOutcome, body: dict[str, Any]
) -> None:
    StoredResponse.objects.create(
        id=ids.response, owner=user, generation_id=out.generation_id, body=body, previous_id=chat["previous"],
        turn=_turn(chat, out), input_items=_input_items(ids, request["input"]),
    )  # fmt: skip


def _owned(user: Any, response_id: str) -> StoredResponse:
    """The caller's stored response; another user's is as missing as one that never existed."""
    found = StoredResponse.objects.filter(id=response_id, owner=user, deleted=False).first()
    if found is None:
        raise ApiError("NOT_FOUND", f"Response with id '{response_id}' not found.", param="response_id")
    return found


_CHAIN = """
WITH RECURSIVE chain(id, previous_id, turn, depth) AS (
    SELECT id, previous_id, turn, 0 FROM {table} WHERE id = %s
    UNION ALL
    SELECT r.id, r.previous_id, r.turn, c.depth + 1 FROM {table} r JOIN chain c ON r.id = c.previous_id
)
SELECT turn FROM chain ORDER BY depth DESC
"""


def _chain(response_id: str) -> list[dict[str, Any]]:
    """Every turn from the first response of a conversation to `response_id`, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_CHAIN.format(table=StoredResponse._meta.db_table), [response_id])
        turns = [json.loads(t) if isinstance(t, str) else t for (t,) in cursor.fetchall()]
    return [message for turn in turns for message in turn]


def _history(user: Any, previous: Any) -> list[dict[str, Any]]:
    if previous is None:
        return []
    if not isinstance(previous, str):
        raise refuse("previous_response_id", "previous_response_id must be a string.")
    try:
        _owned(user, previous)  # the chain behind it is the same owner's: only they could continue it
    except ApiError:
        raise ApiError(
            "NOT_FOUND", f"Previous response with id '{previous}' not found.", param="previous_response_id"
        ) from None
    return _chain(previous)


# ---- the stream -------------------------------------------------------------------------------


class _Events:
    """Responses stream events, numbered."""

    def __init__(self) -> None:
        self.sequence = 0

    def __call__(self, kind: str, **data: Any) -> bytes:
        event = {"type": kind, "sequence_number": self.sequence, **data}
        self.sequence += 1
        return f"event: {kind}\ndata: {json.dumps(event, separators=(',', ':'))}\n\n".encode()


class _Items:
    """The output items of a stream as they open: a message for text, a function_call per tool call."""

    def __init__(self, ids: _Ids, event: _Events) -> None:
        self.ids, self.event = ids, event
        self.count = 0
        self.text: list[str] = []
        self.message_index: int | None = None
        self.calls: dict[int, tuple[int, dict[str, Any]]] = {}  # call index -> (output index, item)

    def feed(self, piece: StreamDelta) -> list[bytes]:
        events: list[bytes] = []
        if piece.content:
            if self.message_index is None:
                self.message_index, self.count = self.count, self.count + 1
                item = _message_item(self.ids, "", "in_progress")
                events.append(self.event("response.output_item.added", output_index=self.message_index, item=item))
                part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
                events.append(self._part_event("response.content_part.added", part=part))
            self.text.append(piece.content)
            events.append(self._part_event("response.output_text.delta", delta=piece.content, logprobs=[]))
        for call in piece.tool_calls or ():
            if call.index not in self.calls:
                item = _call_item(self.ids, call.index, call.id or "", call.name or "", "", "in_progress")
                self.calls[call.index] = (self.count, item)
                events.append(self.event("response.output_item.added", output_index=self.count, item=item))
                self.count += 1
            index, item = self.calls[call.index]
            if call.arguments:
                item["arguments"] += call.arguments
                events.append(
                    self.event(
                        "response.function_call_arguments.delta",
                        item_id=item["id"],
                        output_index=index,
                        delta=call.arguments,
                    )
                )
        return events

    def _part_event(self, kind: str, **data: Any) -> bytes:
        return self.event(kind, item_id=self.ids.message, output_index=self.message_index, content_index=0, **data)

    def finish(self) -> list[bytes]:
        events: list[bytes] = []
        if self.message_index is not None:
            text = "".join(self.text)
            events.append(self._part_event("response.output_text.done", text=text, logprobs=[]))
            part = {"type": "output_text", "text": text, "annotations": [], "logprobs": []}
            events.append(self._part_event("response.content_part.done", part=part))
            item = _message_item(self.ids, text)
            events.append(self.event("response.output_item.done", output_index=self.message_index, item=item))
        for index, item in self.calls.values():
            done = item | {"status": "completed"}
            events.append(
                self.event(
                    "response.function_call_arguments.done",
                    item_id=item["id"],
                    output_index=index,
                    name=item["name"],
                    arguments=item["arguments"],
                )
            )
            events.append(self.event("response.output_item.done", output_index=index, item=done))
        return events


@dataclass
class _Call:
    """One Responses request on its way: who, what was asked, the translated chat, the ids."""

    user: Any
    body: dict[str, Any]
    chat: dict[str, Any]
    ids: _Ids = field(default_factory=_Ids)
    created: int = field(default_factory=lambda: int(time.time()))

    @property
    def store(self) -> bool:
        return self.body.get("store", True) is not False

    async def keep(self, out: GenerationOutcome, response: dict[str, Any]) -> None:
        if self.store:
            await _in_thread(_store, self.user, self.ids, self.body, self.chat, out, response)


async def _stream_body(call: _Call, stream: GenerationStream) -> AsyncIterator[bytes]:
    event = _Events()
    started = _response(call.ids, call.body, call.created)
    yield event("response.created", response=started)
    yield event("response.in_progress", response=started)
    items = _Items(call.ids, event)
    try:
        async with contextlib.aclosing(stream.pieces()) as pieces:
            async for piece in pieces:
                if piece.index == 0:
                    for chunk in items.feed(piece):
                        yield chunk
    except ApiError as exc:
        error = openai.error_body(exc)["error"]
        yield event("error", code=error["code"], message=error["message"], param=error["param"])
        failed = _response(call.ids, call.body, call.created, "failed")
        yield event(
            "response.failed",
            response=failed | {"error": {"code": error["code"] or "server_error", "message": error["message"]}},
        )
        return
    for chunk in items.finish():
        yield chunk
    out = stream.outcome
    assert out is not None  # pieces() settles before it ends
    done = _finished(call.ids, call.body, call.created, out)
    await call.keep(out, done)
    yield event("response.completed", response=done)


# ---- the views ---------------------------------------------------------------------------------


async def _create(request: HttpRequest) -> HttpResponse:
    try:
        origin, body = await generation_call(request, Door.RESPONSES, keys_only=True)
        history = await _in_thread(_history, origin.user, body.get("previous_response_id"))
        chat = _translate(body, history) | {"previous": body.get("previous_response_id") if history else None}
        if body.get("store") is not None and not isinstance(body["store"], bool):
            raise refuse("store", "store must be true or false.")
        call = _Call(origin.user, body, chat)
        inp = responses_input(origin, body, chat)
        if body.get("stream") is True:
            stream = await generation_stream(inp)
            return metered(EventStreamResponse(_stream_body(call, stream)), stream.prep)
        out, prep = await generation_run(inp)
    except ApiError as exc:
        return openai.error_response(exc)
    response = _finished(call.ids, body, call.created, out)
    await call.keep(out, response)
    return metered(JsonResponse(response), prep)


create = openai_generation_post(_create)


def _method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    refusal = ApiError("METHOD_NOT_ALLOWED", f"{request.method} is not allowed here; use {allowed}.")
    response = openai.error_response(refusal)
    response["Allow"] = allowed
    return response


async def _caller(request: HttpRequest, scope: str) -> Any:
    caller = await authenticate(request, keys_only=True)
    require_scope(caller, scope)
    return caller.user


def _read(user: Any, response_id: str) -> dict[str, Any]:
    return _owned(user, response_id).body


def _delete(user: Any, response_id: str) -> None:
    """Forget a stored response (never its ledger row). One that others continue keeps its turn for
    them, and nothing else: it can no longer be read, listed or continued."""
    found = _owned(user, response_id)
    if StoredResponse.objects.filter(previous=found).exists():
        StoredResponse.objects.filter(pk=found.pk).update(deleted=True, body={}, input_items=[])
    else:
        found.delete()


async def detail(request: HttpRequest, response_id: str) -> HttpResponse:
    """GET (read back, never charged), DELETE (forget the stored copy) a response of the caller's."""
    try:
        if request.method == "GET":
            return JsonResponse(await _in_thread(_read, await _caller(request, "ai:read"), response_id))
        if request.method == "DELETE":
            await _in_thread(_delete, await _caller(request, "ai:write"), response_id)
            return JsonResponse({"id": response_id, "object": "response", "deleted": True})
    except ApiError as exc:
        return openai.error_response(exc)
    return _method_not_allowed(request, "GET, DELETE")


async def cancel(request: HttpRequest, response_id: str) -> HttpResponse:
    """Only background responses can be cancelled; this gateway answers every response in the
    foreground (a client cancels a stream by closing it), so a stored one is already final."""
    if request.method != "POST":
        return _method_not_allowed(request, "POST")
    try:
        await _in_thread(_read, await _caller(request, "ai:write"), response_id)
        raise ApiError("VALIDATION_ERROR", "Only responses created with background=true can be cancelled.")
    except ApiError as exc:
        return openai.error_response(exc)


def _listed(user: Any, response_id: str, order: str, limit: int, after: str | None) -> dict[str, Any]:
    items = _owned(user, response_id).input_items
    items = list(reversed(items)) if order == "desc" else items
    if after is not None:
        ids = [item.get("id") for item in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    page = items[:limit]
    return {
        "object": "list", "data": page, "first_id": page[0]["id"] if page else None,
        "last_id": page[-1]["id"] if page else None, "has_more": len(items) > limit,
    }  # fmt: skip


async def input_items(request: HttpRequest, response_id: str) -> HttpResponse:
    if request.method != "GET":
        return _method_not_allowed(request, "GET")
    try:
        order = request.GET.get("order", "desc")
        if order not in ("asc", "desc"):
            raise refuse("order", "order must be asc or desc.")
        raw_limit = request.GET.get("limit", "20")
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LIST:
            raise refuse("limit", f"limit must be an integer between 1 and {MAX_LIST}.")
        user = await _caller(request, "ai:read")
        page = await _in_thread(_listed, user, response_id, order, int(raw_limit), request.GET.get("after"))
    except ApiError as exc:
        return openai.error_response(exc)
    return JsonResponse(page)
