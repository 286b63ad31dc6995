"""OpenAI Chat Completions, and every server that copies it (vLLM, llama.cpp, LM Studio); embeddings
and images come from openai_media.

config.kind "openai" sends `max_completion_tokens` (the current name); "openai_compatible" sends
`max_tokens`, which is the only name most compatible servers know. Both take every field of the
typed request as it is: messages, tools and formats are already in OpenAI's shape.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, ClassVar

import httpx

from providers.adapters._http import to_decimal
from providers.adapters._wire import (
    StreamState,
    parse_choice,
    parse_logprobs,
    parse_tool_call_deltas,
    result_from_choices,
)
from providers.adapters.openai_media import OpenAIMedia
from providers.base import (
    OPTIONAL_FIELDS,
    ChatRequest,
    ChatResult,
    ProviderError,
    StreamDelta,
    StreamEnd,
    UpstreamModel,
    Usage,
)
from providers.errors import client_message, error_fields, kind_for_status, protocol_error
from providers.sse import decode_json_event, is_done, iter_sse


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


class OpenAIAdapter(OpenAIMedia):
    name = "openai"
    chat_path = "/chat/completions"
    models_path = "/models"
    supported_fields = frozenset(OPTIONAL_FIELDS)
    # The typed fields copied into the body as they are (max_tokens goes under its own name).
    forwarded: ClassVar[tuple[str, ...]] = tuple(f for f in OPTIONAL_FIELDS if f != "max_tokens")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.forwarded = tuple(f for f in OPTIONAL_FIELDS if f != "max_tokens" and f in cls.supported_fields)

    @property
    def max_tokens_field(self) -> str:
        return "max_completion_tokens" if self.config.kind == "openai" else "max_tokens"

    def body(self, req: ChatRequest, *, stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": req.model, "messages": req.messages}
        if req.max_tokens is not None:
            body[self.max_tokens_field] = req.max_tokens
        for name in self.forwarded:
            value = getattr(req, name)
            if value is not None and value != []:  # OpenAI refuses an empty tools or stop list
                body[name] = value
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        if req.extra:
            body.update(self.passthrough(req))
        return body

    async def chat(self, req: ChatRequest) -> ChatResult:
        self.refuse_unsupported(req)
        payload = await self.request_json("POST", self.url(self.chat_path), json=self.body(req, stream=False))
        try:
            choices = [parse_choice(c, i) for i, c in enumerate(payload["choices"])]
            choices[0]
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            raise protocol_error(self.name, f"no choices in reply: {str(payload)[:200]}") from exc
        usage = parse_usage(payload["usage"]) if payload.get("usage") else None
        return result_from_choices(self.name, req, choices, usage, payload.get("id"), payload.get("model"))

    def stream_chat(self, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        return self.stream(
            self.url(self.chat_path), lambda: self.body(req, stream=True), lambda r: self._parse(r, req), req
        )

    async def _parse(self, response: httpx.Response, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        state = StreamState()
        done = False
        async for event in iter_sse(response.aiter_bytes()):
            if is_done(event):
                done = True
                break
            chunk = self._decode(event)
            if chunk.get("error"):
                raise self.stream_error(chunk["error"])
            state.upstream_id = state.upstream_id or chunk.get("id")
            if chunk.get("usage"):
                state.usage = parse_usage(chunk["usage"])
            for choice in chunk.get("choices") or ():
                if delta := self._delta(choice, state):
                    yield delta
        if not done and not state.finish:
            raise state.incomplete_error(self.name)
        yield state.end(self.name, req)

    @staticmethod
    def _delta(choice: dict[str, Any], state: StreamState) -> StreamDelta | None:
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

    def _decode(self, event: Any) -> dict[str, Any]:
        try:
            chunk = decode_json_event(event)
        except ValueError as exc:
            raise protocol_error(self.name, f"bad JSON in stream: {event.data[:200]!r}") from exc
        if not isinstance(chunk, dict):
            raise protocol_error(self.name, f"unexpected stream event: {event.data[:200]!r}")
        return chunk

    def stream_error(self, error: Any) -> ProviderError:
        """An error sent inside a 200 stream. Its `code` is an HTTP status on OpenRouter."""
        message, code, _ = error_fields({"error": error})
        status = int(code) if code and code.isdigit() else None
        kind = kind_for_status(status) if status else "unavailable"
        return ProviderError(
            kind,
            client_message(kind, message),
            status=status,
            provider=self.name,
            code=code,
            detail=message or str(error),
        )

    async def list_models(self) -> list[UpstreamModel]:
        payload = await self.request_json("GET", self.url(self.models_path))
        return [self.model_from(item) for item in payload.get("data") or [] if isinstance(item, dict)]

    def model_from(self, item: dict[str, Any]) -> UpstreamModel:
        return UpstreamModel(id=item["id"], name=item.get("name") or item["id"], raw=item)
