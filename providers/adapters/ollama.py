"""Ollama's native API: POST /api/chat streaming NDJSON, GET /api/tags.

config.base_url is the server root, e.g. http://localhost:11434 (no /api).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from providers.adapters._http import HTTPAdapter, drop_none
from providers.base import ChatRequest, ChatResult, ProviderError, StreamDelta, StreamEnd, UpstreamModel, Usage
from providers.errors import protocol_error
from providers.ndjson import iter_ndjson
from providers.tokens import estimate_prompt_tokens, estimate_tokens


class OllamaAdapter(HTTPAdapter):
    name = "ollama"

    def body(self, req: ChatRequest, *, stream: bool) -> dict[str, Any]:
        options = drop_none(
            {
                "temperature": req.temperature,
                "num_predict": req.max_tokens,
                "top_p": req.top_p,
                "stop": req.stop or None,
                "seed": req.seed,
                "presence_penalty": req.presence_penalty,
                "frequency_penalty": req.frequency_penalty,
            }
        )
        body: dict[str, Any] = {"model": req.model, "messages": req.messages, "stream": stream}
        if options:
            body["options"] = options
        body.update(req.extra)
        return body

    def usage(self, req: ChatRequest, final: dict[str, Any], text: str) -> Usage:
        prompt, completion = final.get("prompt_eval_count"), final.get("eval_count")
        if prompt is None or completion is None:
            prompt, completion = estimate_prompt_tokens(req.messages), estimate_tokens(text)
            return Usage(prompt, completion, prompt + completion, estimated=True)
        return Usage(int(prompt), int(completion), int(prompt) + int(completion))

    async def chat(self, req: ChatRequest) -> ChatResult:
        payload = await self.request_json("POST", self.url("/api/chat"), json=self.body(req, stream=False))
        if payload.get("error"):
            raise ProviderError("unavailable", str(payload["error"]), provider=self.name)
        text = (payload.get("message") or {}).get("content") or ""
        return ChatResult(text, payload.get("done_reason"), self.usage(req, payload, text), None, payload.get("model"))

    def stream_chat(self, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        return self.stream(self.url("/api/chat"), self.body(req, stream=True), lambda r: self._parse(r, req))

    async def _parse(self, response: httpx.Response, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        parts: list[str] = []
        try:
            async for line in iter_ndjson(response.aiter_bytes()):
                if not isinstance(line, dict):
                    raise protocol_error(self.name, f"unexpected line: {str(line)[:200]}")
                if line.get("error"):
                    raise ProviderError("unavailable", str(line["error"]), provider=self.name)
                text = (line.get("message") or {}).get("content")
                if text:
                    parts.append(text)
                    yield StreamDelta(text)
                if line.get("done"):
                    yield StreamEnd(line.get("done_reason"), self.usage(req, line, "".join(parts)), None)
                    return
        except ValueError as exc:
            raise protocol_error(self.name, f"bad JSON line in stream: {exc}") from exc
        raise protocol_error(self.name, "the stream ended before the reply was complete")

    async def list_models(self) -> list[UpstreamModel]:
        payload = await self.request_json("GET", self.url("/api/tags"))
        return [
            UpstreamModel(id=m["name"], name=m["name"], input_price_per_1m=None, output_price_per_1m=None, raw=m)
            for m in payload.get("models") or []
            if isinstance(m, dict) and m.get("name")
        ]
