"""Ollama's native API: POST /api/chat streaming NDJSON, GET /api/tags.

config.base_url is the server root, e.g. http://localhost:11434 (no /api).

Translated both ways (docs/api.md, api/types.go): sampling fields go under `options` (max_tokens
is `num_predict`); image parts become the message's `images`, a list of bare base64 strings, so
only `data:` URIs can be sent (Ollama fetches nothing); assistant tool calls carry `arguments` as
an object, and a tool result names its function in `tool_name`; response_format becomes `format`
("json" or the schema itself); reasoning_effort becomes `think`. Tool calls come back whole, in
one line, and are handed on as complete OpenAI-shaped deltas.

Embeddings: POST /api/embed with `input` (texts only: no token arrays) and `dimensions`; the reply's
`prompt_eval_count` is the usage.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx

from providers.adapters._http import HTTPAdapter, drop_none
from providers.adapters._media import checked_vectors, estimated_embedding_usage, number_vectors
from providers.adapters._wire import StreamState, parse_logprobs, result_from_choices
from providers.base import (
    ChatRequest,
    ChatResult,
    Choice,
    EmbeddingRequest,
    EmbeddingResult,
    ProviderError,
    StreamDelta,
    StreamEnd,
    ToolCall,
    ToolCallDelta,
    UpstreamModel,
    Usage,
    is_set,
)
from providers.errors import protocol_error
from providers.messages import ChatMessage, data_uri_payload, image_parts, text_of, tool_names_by_call_id
from providers.ndjson import iter_ndjson
from providers.tokens import estimate_prompt_tokens, estimate_tokens

_THINK = {"none": False, "low": "low", "medium": "medium", "high": "high"}


class OllamaAdapter(HTTPAdapter):
    name = "ollama"
    # The fields `body` translates into Ollama's own names, listed one by one rather than taken
    # from OPTIONAL_FIELDS: a typed field added later is refused here until it is translated.
    supported_fields = frozenset(
        {
            "max_tokens",
            "temperature",
            "top_p",
            "stop",
            "presence_penalty",
            "frequency_penalty",
            "seed",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "response_format",
            "logprobs",
            "top_logprobs",
            "reasoning_effort",
        }
    )
    checks_more = True
    modalities = frozenset({"chat", "embedding"})
    embedding_fields = frozenset({"dimensions"})

    def unsupported_values(self, req: ChatRequest) -> list[str]:
        found = []
        if req.tool_choice not in (None, "none", "auto"):  # Ollama has no way to force a call
            found.append("tool_choice")
        if req.parallel_tool_calls is False:
            found.append("parallel_tool_calls")
        if req.reasoning_effort is not None and req.reasoning_effort not in _THINK:
            found.append("reasoning_effort")
        return found

    def unsupported_messages(self, req: ChatRequest) -> list[str]:
        found = []
        for i, message in enumerate(req.messages):
            if message.get("name") and message.get("role") != "tool":
                found.append(f"messages[{i}].name")
            for j, image in image_parts(message.get("content")):
                if data_uri_payload(str(image.get("url", ""))) is None:
                    found.append(f"messages[{i}].content[{j}].image_url.url")  # Ollama takes base64 only
                if image.get("detail") not in (None, "auto"):
                    found.append(f"messages[{i}].content[{j}].image_url.detail")
            for j, call in enumerate(message.get("tool_calls") or []):
                if not isinstance(_arguments(call), dict):
                    found.append(f"messages[{i}].tool_calls[{j}].function.arguments")  # must be a JSON object
        return found

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
        names = tool_names_by_call_id(req.messages) if any(m.get("role") == "tool" for m in req.messages) else {}
        body: dict[str, Any] = {
            "model": req.model,
            "messages": [_message(m, names) for m in req.messages],
            "stream": stream,
        }
        if options:
            body["options"] = options
        if req.tools and req.tool_choice != "none":  # "none": the model is not offered the tools at all
            body["tools"] = req.tools
        if is_set("response_format", req.response_format):
            body["format"] = _format(req.response_format)
        if req.logprobs:
            body["logprobs"] = True
            if req.top_logprobs is not None:
                body["top_logprobs"] = req.top_logprobs
        if req.reasoning_effort is not None:
            body["think"] = _THINK[req.reasoning_effort]
        body.update(self.passthrough(req))
        return body

    def usage(self, req: ChatRequest, final: dict[str, Any], text: str) -> Usage:
        prompt, completion = final.get("prompt_eval_count"), final.get("eval_count")
        if prompt is None or completion is None:
            prompt, completion = estimate_prompt_tokens(req.messages), estimate_tokens(text)
            return Usage(prompt, completion, prompt + completion, estimated=True)
        return Usage(int(prompt), int(completion), int(prompt) + int(completion))

    async def chat(self, req: ChatRequest) -> ChatResult:
        self.refuse_unsupported(req)
        payload = await self.request_json("POST", self.url("/api/chat"), json=self.body(req, stream=False))
        if payload.get("error"):
            raise ProviderError("unavailable", provider=self.name, detail=str(payload["error"]))
        message = payload.get("message") or {}
        text = message.get("content") or ""
        calls = [_tool_call(c, i) for i, c in enumerate(message.get("tool_calls") or [])]
        choice = Choice(
            0, text, _finish(payload.get("done_reason"), calls), calls, parse_logprobs(payload.get("logprobs"))
        )
        usage = self.usage(req, payload, text + "".join(c.arguments for c in calls))
        return result_from_choices(self.name, req, [choice], usage, None, payload.get("model"))

    def stream_chat(self, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        return self.stream(
            self.url("/api/chat"), lambda: self.body(req, stream=True), lambda r: self._parse(r, req), req
        )

    async def _parse(self, response: httpx.Response, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        state = StreamState()
        calls = 0
        try:
            async for line in iter_ndjson(response.aiter_bytes()):
                if not isinstance(line, dict):
                    raise protocol_error(self.name, f"unexpected line: {str(line)[:200]}")
                if line.get("error"):
                    raise ProviderError("unavailable", provider=self.name, detail=str(line["error"]))
                message = line.get("message") or {}
                item = StreamDelta(message.get("content") or "")
                if item.content:
                    state.text(0, item.content)
                if message.get("tool_calls"):
                    deltas = [_tool_delta(c, calls + i) for i, c in enumerate(message["tool_calls"])]
                    calls += len(deltas)
                    item.tool_calls = deltas
                    state.tool_deltas(0, deltas)
                if line.get("logprobs") and (logprobs := parse_logprobs(line["logprobs"])):
                    item.logprobs = logprobs
                    state.add_logprobs(0, logprobs)
                if item.content or item.tool_calls or item.logprobs:
                    yield item
                if line.get("done"):
                    state.finished(0, _finish(line.get("done_reason"), calls))
                    text = "".join(state.parts[0]) + "".join(d.arguments for d in state.calls.get(0, {}).values())
                    state.usage = self.usage(req, line, text)
                    yield self._end(state, req)
                    return
        except ValueError as exc:
            raise protocol_error(self.name, f"bad JSON line in stream: {exc}") from exc
        raise protocol_error(self.name, "the stream ended before the reply was complete")

    def _end(self, state: StreamState, req: ChatRequest) -> StreamEnd:
        usage = state.usage
        if usage is not None and usage.estimated:
            state.usage = None  # an estimate does not prove the upstream produced anything
        end = state.end(self.name, req)
        end.usage = usage or end.usage
        return end

    async def embed(self, req: EmbeddingRequest) -> EmbeddingResult:
        """POST /api/embed. `truncate: false`: by default Ollama cuts an input longer than the model's
        context and embeds only its start, without a word; OpenAI refuses such an input, and so do we."""
        self.refuse_unsupported_media(req)
        body = {"model": req.model, "input": req.inputs, "truncate": False}
        if req.dimensions is not None:
            body["dimensions"] = req.dimensions
        body.update(self.passthrough(req) if req.extra else {})
        payload = await self.request_json("POST", self.url("/api/embed"), json=body)
        if payload.get("error"):
            raise ProviderError("unavailable", provider=self.name, detail=str(payload["error"]))
        vectors = checked_vectors(self.name, number_vectors(self.name, payload.get("embeddings")), len(req.inputs))
        count = payload.get("prompt_eval_count")
        usage = Usage(count, 0, count) if isinstance(count, int) else estimated_embedding_usage(req.inputs)
        return EmbeddingResult(vectors, usage, payload.get("model") or req.model)

    async def list_models(self) -> list[UpstreamModel]:
        payload = await self.request_json("GET", self.url("/api/tags"))
        return [
            UpstreamModel(id=m["name"], name=m["name"], input_price_per_1m=None, output_price_per_1m=None, raw=m)
            for m in payload.get("models") or []
            if isinstance(m, dict) and m.get("name")
        ]


def _message(message: ChatMessage, tool_names: dict[str, str]) -> dict[str, Any]:
    role = message.get("role")
    content = message.get("content")
    out: dict[str, Any] = {"role": "system" if role == "developer" else role, "content": text_of(content)}
    images = [data_uri_payload(str(image.get("url", ""))) for _, image in image_parts(content)]
    if images:
        out["images"] = images
    if message.get("tool_calls"):
        out["tool_calls"] = [
            {"function": {"name": c["function"]["name"], "arguments": _arguments(c)}} for c in message["tool_calls"]
        ]
    if role == "tool":
        out["tool_name"] = message.get("name") or tool_names.get(str(message.get("tool_call_id")), "")
    return out


def _arguments(call: Any) -> Any:
    arguments = (call.get("function") or {}).get("arguments") if isinstance(call, dict) else None
    if isinstance(arguments, str):
        try:
            return json.loads(arguments)
        except ValueError:
            return None
    return arguments


def _format(response_format: Any) -> Any:
    if response_format.get("type") == "json_schema":
        return (response_format.get("json_schema") or {}).get("schema") or "json"
    return "json"


def _finish(done_reason: Any, calls: int | list[Any]) -> str | None:
    # Ollama says "stop" when the model called tools; OpenAI's word for it is "tool_calls".
    return "tool_calls" if calls else done_reason


def _call_id(name: str, arguments: str, index: int) -> str:
    return "call_" + hashlib.sha256(f"{index}:{name}:{arguments}".encode()).hexdigest()[:24]


def _tool_call(raw: dict[str, Any], index: int) -> ToolCall:
    function = raw.get("function") or {}
    name = str(function.get("name") or "")
    arguments = json.dumps(function.get("arguments") or {}, ensure_ascii=False)
    return ToolCall(str(raw.get("id") or _call_id(name, arguments, index)), name, arguments)


def _tool_delta(raw: dict[str, Any], index: int) -> ToolCallDelta:
    call = _tool_call(raw, index)
    return ToolCallDelta(index, call.id, call.name, call.arguments, "function")
