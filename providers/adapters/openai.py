"""OpenAI Chat Completions, and every server that copies it (vLLM, llama.cpp, LM Studio).

config.kind "openai" sends `max_completion_tokens` (the current name); "openai_compatible" sends
`max_tokens`, which is the only name most compatible servers know.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from providers.adapters._http import HTTPAdapter, drop_none, estimated_usage
from providers.base import ChatRequest, ChatResult, ProviderError, StreamDelta, StreamEnd, UpstreamModel, Usage
from providers.errors import error_fields, kind_for_status, protocol_error
from providers.sse import decode_json_event, is_done, iter_sse


def to_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


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


class OpenAIAdapter(HTTPAdapter):
    name = "openai"
    chat_path = "/chat/completions"
    models_path = "/models"

    @property
    def max_tokens_field(self) -> str:
        return "max_completion_tokens" if self.config.kind == "openai" else "max_tokens"

    def body(self, req: ChatRequest, *, stream: bool) -> dict[str, Any]:
        body = drop_none(
            {
                "model": req.model,
                "messages": req.messages,
                self.max_tokens_field: req.max_tokens,
                "temperature": req.temperature,
                "top_p": req.top_p,
                "stop": req.stop or None,
                "presence_penalty": req.presence_penalty,
                "frequency_penalty": req.frequency_penalty,
                "seed": req.seed,
            }
        )
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        body.update(req.extra)
        return body

    async def chat(self, req: ChatRequest) -> ChatResult:
        payload = await self.request_json("POST", self.url(self.chat_path), json=self.body(req, stream=False))
        try:
            choice = payload["choices"][0]
            content = choice.get("message", {}).get("content") or ""
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            raise protocol_error(self.name, f"no choices in reply: {str(payload)[:200]}") from exc
        usage = parse_usage(payload["usage"]) if payload.get("usage") else estimated_usage(req, content)
        return ChatResult(content, choice.get("finish_reason"), usage, payload.get("id"), payload.get("model"))

    def stream_chat(self, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        return self.stream(self.url(self.chat_path), self.body(req, stream=True), lambda r: self._parse(r, req))

    async def _parse(self, response: httpx.Response, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        finish_reason: str | None = None
        usage: Usage | None = None
        upstream_id: str | None = None
        parts: list[str] = []
        done = False
        async for event in iter_sse(response.aiter_bytes()):
            if is_done(event):
                done = True
                break
            chunk = self._decode(event)
            if chunk.get("error"):
                raise self.stream_error(chunk["error"])
            upstream_id = upstream_id or chunk.get("id")
            if chunk.get("usage"):
                usage = parse_usage(chunk["usage"])
            for choice in chunk.get("choices") or []:
                text = (choice.get("delta") or {}).get("content")
                if text:
                    parts.append(text)
                    yield StreamDelta(text)
                finish_reason = choice.get("finish_reason") or finish_reason
        if not done and finish_reason is None:
            raise protocol_error(self.name, "the stream ended before the reply was complete")
        yield StreamEnd(finish_reason, usage or estimated_usage(req, "".join(parts)), upstream_id)

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
        return ProviderError(kind, message or str(error), status=status, provider=self.name, code=code)

    async def list_models(self) -> list[UpstreamModel]:
        payload = await self.request_json("GET", self.url(self.models_path))
        return [self.model_from(item) for item in payload.get("data") or [] if isinstance(item, dict)]

    def model_from(self, item: dict[str, Any]) -> UpstreamModel:
        return UpstreamModel(id=item["id"], name=item.get("name") or item["id"], raw=item)
