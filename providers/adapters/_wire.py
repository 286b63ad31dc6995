"""Reading OpenAI-shaped answers (OpenAI, OpenRouter, Hugging Face's router, MiniMax), keeping
track of a stream while it arrives (every adapter), and the chat calls of every server that answers
in OpenAI's chat-completion shape (`ChatCompletions`)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from providers.adapters._http import HTTPAdapter, estimated_usage, to_decimal
from providers.base import (
    ChatRequest,
    ChatResult,
    Choice,
    ProviderError,
    StreamDelta,
    StreamEnd,
    TokenLogprob,
    ToolCall,
    ToolCallDelta,
    TopLogprob,
    Usage,
)
from providers.errors import empty_reply_error, protocol_error
from providers.sse import SSEEvent, decode_json_event, is_done, iter_sse


def parse_usage(raw: dict[str, Any]) -> Usage:
    prompt = int(raw.get("prompt_tokens") or 0)
    completion = int(raw.get("completion_tokens") or 0)
    prompt_details = raw.get("prompt_tokens_details") or {}
    completion_details = raw.get("completion_tokens_details") or {}
    return Usage(
        prompt_tokens=prompt,
        completion_tokens=completion,
        total_tokens=int(raw.get("total_tokens") or prompt + completion),
        cached_tokens=int(prompt_details.get("cached_tokens") or 0),
        reasoning_tokens=int(completion_details.get("reasoning_tokens") or 0),
        reported_cost=to_decimal(raw.get("cost")),
    )


def parse_tool_calls(raw: Any) -> list[ToolCall]:
    calls = []
    for item in raw or []:
        function = item.get("function") or {} if isinstance(item, dict) else {}
        arguments = function.get("arguments")
        if not isinstance(arguments, str):  # some servers send an object; OpenAI's shape is text
            arguments = _json_text(arguments if arguments is not None else {})
        calls.append(ToolCall(str(item.get("id") or ""), str(function.get("name") or ""), arguments))
    return calls


def parse_tool_call_deltas(raw: list[Any]) -> list[ToolCallDelta]:
    deltas = []
    for position, item in enumerate(raw):
        if not isinstance(item, dict):
            continue
        function = item.get("function") or {}
        arguments = function.get("arguments")
        if arguments is not None and not isinstance(arguments, str):
            arguments = _json_text(arguments)
        deltas.append(
            ToolCallDelta(
                index=int(item.get("index", position)),
                id=item.get("id"),
                name=function.get("name"),
                arguments=arguments or "",
                type=item.get("type"),
            )
        )
    return deltas


def parse_logprobs(raw: Any) -> list[TokenLogprob] | None:
    """OpenAI's `logprobs.content` (a list of token entries); Ollama sends the list itself."""
    entries = raw.get("content") if isinstance(raw, dict) else raw
    if not isinstance(entries, list):
        return None
    return [
        TokenLogprob(
            token=str(e.get("token", "")),
            logprob=float(e.get("logprob", 0.0)),
            bytes=e.get("bytes"),
            top_logprobs=[
                TopLogprob(str(t.get("token", "")), float(t.get("logprob", 0.0)), t.get("bytes"))
                for t in e.get("top_logprobs") or []
                if isinstance(t, dict)
            ],
        )
        for e in entries
        if isinstance(e, dict)
    ]


def parse_choice(raw: dict[str, Any], position: int) -> Choice:
    message = raw.get("message") or {}
    calls = message.get("tool_calls")
    logprobs = raw.get("logprobs")
    return Choice(
        raw.get("index", position),
        message.get("content") or "",
        raw.get("finish_reason"),
        parse_tool_calls(calls) if calls else [],
        parse_logprobs(logprobs) if logprobs else None,
        message.get("refusal"),
    )


def result_from_choices(
    provider: str, req: ChatRequest, choices: list[Choice], usage: Usage | None, upstream_id: Any, model: Any
) -> ChatResult:
    """The ChatResult of a whole answer; an answer with nothing in it is a protocol error."""
    if len(choices) > 1:
        choices.sort(key=lambda c: c.index)
    first = choices[0]
    if usage is None:
        usage = estimated_usage(req, "".join(c.content + "".join(t.arguments for t in c.tool_calls) for c in choices))
    if not (first.content or first.tool_calls or first.refusal or usage.completion_tokens) and not any(
        c.content or c.tool_calls or c.refusal for c in choices
    ):
        raise empty_reply_error(provider, first.finish_reason)
    return ChatResult(
        first.content,
        first.finish_reason,
        usage,
        upstream_id,
        model,
        tool_calls=first.tool_calls,
        logprobs=first.logprobs,
        refusal=first.refusal,
        choices=choices if len(choices) > 1 else [],
    )


def result_from_reply(provider: str, req: ChatRequest, payload: Any) -> ChatResult:
    """The ChatResult of a whole chat-completion reply (`choices`, `usage`, `id`, `model`)."""
    try:
        choices = [parse_choice(c, i) for i, c in enumerate(payload["choices"])]
        choices[0]
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        raise protocol_error(provider, f"no choices in reply: {str(payload)[:200]}") from exc
    usage = parse_usage(payload["usage"]) if payload.get("usage") else None
    return result_from_choices(provider, req, choices, usage, payload.get("id"), payload.get("model"))


class StreamState:
    """What has arrived so far, per choice: enough to build StreamEnd (assembled tool calls, every
    choice's finish) and to tell an empty stream from a real one."""

    def __init__(self) -> None:
        self.parts: dict[int, list[str]] = {0: []}
        self.finish: dict[int, str | None] = {}
        self.calls: dict[int, dict[int, ToolCallDelta]] = {}
        self.logprobs: dict[int, list[TokenLogprob]] = {}
        self.refusals: dict[int, list[str]] = {}
        self.upstream_id: str | None = None
        self.usage: Usage | None = None

    def text(self, index: int, text: str) -> None:
        parts = self.parts.get(index)
        if parts is None:
            parts = self.parts[index] = []
        parts.append(text)

    def tool_deltas(self, index: int, deltas: list[ToolCallDelta]) -> None:
        calls = self.calls.setdefault(index, {})
        for delta in deltas:
            call = calls.get(delta.index)
            if call is None:
                calls[delta.index] = ToolCallDelta(delta.index, delta.id, delta.name, delta.arguments, delta.type)
                continue
            call.id = call.id or delta.id
            call.name = call.name or delta.name
            call.arguments += delta.arguments

    def add_logprobs(self, index: int, entries: list[TokenLogprob]) -> None:
        self.logprobs.setdefault(index, []).extend(entries)

    def refusal(self, index: int, text: str) -> None:
        self.refusals.setdefault(index, []).append(text)

    def finished(self, index: int, reason: str | None) -> None:
        if reason:
            self.finish[index] = reason

    @property
    def finish_reason(self) -> str | None:
        return self.finish.get(0)

    def incomplete_error(self, provider: str) -> ProviderError:
        """A stream that stopped before its finish: empty if nothing at all came, else cut short."""
        if not any(self.parts.values()) and not self.calls and not self.refusals:
            return empty_reply_error(provider, None)
        return protocol_error(provider, "the stream ended before the reply was complete")

    def end(self, provider: str, req: ChatRequest) -> StreamEnd:
        choices = [self._choice(i) for i in sorted(set(self.parts) | set(self.calls) | set(self.finish))]
        usage = self.usage
        if usage is None:
            text = "".join(c.content + "".join(t.arguments for t in c.tool_calls) for c in choices)
            usage = estimated_usage(req, text)
        if not any(c.content or c.tool_calls or c.refusal for c in choices) and not (
            self.usage and self.usage.completion_tokens
        ):
            raise empty_reply_error(provider, self.finish_reason)
        first = choices[0]
        more = choices if len(choices) > 1 else []
        return StreamEnd(first.finish_reason, usage, self.upstream_id, tool_calls=first.tool_calls, choices=more)

    def _choice(self, index: int) -> Choice:
        calls = [
            ToolCall(d.id or "", d.name or "", d.arguments, d.type or "function")
            for _, d in sorted(self.calls.get(index, {}).items())
        ]
        refusal = "".join(self.refusals[index]) if index in self.refusals else None
        content = "".join(self.parts.get(index, ()))
        return Choice(index, content, self.finish.get(index), calls, self.logprobs.get(index), refusal)


def chunk_delta(choice: dict[str, Any], state: StreamState) -> StreamDelta | None:
    """One chunk choice as a StreamDelta (None when it carries nothing new), noted in `state`."""
    index = choice.get("index") or 0
    delta = choice.get("delta") or {}
    text = delta.get("content")
    raw_calls = delta.get("tool_calls")
    raw_logprobs = choice.get("logprobs")
    refusal = delta.get("refusal")
    if choice.get("finish_reason"):
        state.finished(index, choice["finish_reason"])
    if not (text or raw_calls or raw_logprobs or refusal):
        return None
    item = StreamDelta(text or "", index)
    if text:
        state.text(index, text)
    if raw_calls:
        item.tool_calls = parse_tool_call_deltas(raw_calls)
        state.tool_deltas(index, item.tool_calls)
    if raw_logprobs and (logprobs := parse_logprobs(raw_logprobs)):
        item.logprobs = logprobs
        state.add_logprobs(index, logprobs)
    if refusal:
        item.refusal = refusal
        state.refusal(index, refusal)
    return item


class ChatCompletions(HTTPAdapter):
    """Chat, whole and streamed, with a server that answers in OpenAI's chat-completion shape. A
    subclass gives `chat_path` and `body`, and says how its errors arrive inside a 200 stream."""

    chat_path = "/chat/completions"
    # OpenAI ends every stream with [DONE], so a stream that sent it is complete; where [DONE] is
    # optional (MiniMax) only a finish_reason tells a whole stream from a cut one.
    done_ends_stream = True

    def body(self, req: ChatRequest, *, stream: bool) -> dict[str, Any]:
        raise NotImplementedError

    def chunk_error(self, chunk: dict[str, Any]) -> ProviderError | None:
        """The error a stream chunk reports, if any."""
        return None

    async def chat(self, req: ChatRequest) -> ChatResult:
        self.refuse_unsupported(req)
        payload = await self.request_json("POST", self.url(self.chat_path), json=self.body(req, stream=False))
        return result_from_reply(self.name, req, payload)

    def stream_chat(self, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        return self.stream(
            self.url(self.chat_path), lambda: self.body(req, stream=True), lambda r: self.parse_stream(r, req), req
        )

    async def parse_stream(self, response: httpx.Response, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        state = StreamState()
        done = False
        name, chunk_error = self.name, self.chunk_error  # read once: this loop runs per token
        async for event in iter_sse(response.aiter_bytes()):
            if is_done(event):
                done = True
                break
            chunk = decode_chunk(name, event)
            if error := chunk_error(chunk):
                raise error
            state.upstream_id = state.upstream_id or chunk.get("id")
            if chunk.get("usage"):
                state.usage = parse_usage(chunk["usage"])
            for choice in chunk.get("choices") or ():
                if delta := chunk_delta(choice, state):
                    yield delta
        if not state.finish and not (done and self.done_ends_stream):
            raise state.incomplete_error(self.name)
        yield state.end(self.name, req)


def decode_chunk(provider: str, event: SSEEvent) -> dict[str, Any]:
    """A stream event's JSON object; anything else is a protocol error."""
    try:
        chunk = decode_json_event(event)
    except ValueError as exc:
        raise protocol_error(provider, f"bad JSON in stream: {event.data[:200]!r}") from exc
    if not isinstance(chunk, dict):
        raise protocol_error(provider, f"unexpected stream event: {event.data[:200]!r}")
    return chunk


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
