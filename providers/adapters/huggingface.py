"""Hugging Face: the router's OpenAI-compatible API, and the legacy text-generation task API.

config.base_url is the router root (https://router.huggingface.co), without /v1.

- kind "huggingface": chat at {base}/v1/chat/completions, models at {base}/v1/models. Use this for
  every chat model served through Inference Providers; it is the API Hugging Face maintains.
- kind "huggingface_legacy": POST {base}/hf-inference/models/{model_id} with {"inputs", "parameters"},
  for older text-generation models only reachable through the task API. Messages are flattened into
  one prompt. A 503 "currently loading" becomes kind "unavailable" with retry_after=estimated_time,
  retried when that wait is within config.max_retry_wait.

Both kinds do embeddings (feature extraction) and text-to-image through the task API as well; see
huggingface_media.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from providers.adapters._http import drop_none, to_decimal
from providers.adapters._wire import decode_chunk
from providers.adapters.huggingface_media import HuggingFaceMedia
from providers.adapters.openai import OpenAIAdapter
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
from providers.errors import empty_reply_error, error_fields, protocol_error
from providers.messages import image_parts
from providers.sse import is_done, iter_sse
from providers.tokens import estimate_prompt_tokens, estimate_tokens, message_text

_FINISH = {"length": "length", "eos_token": "stop", "stop_sequence": "stop"}


class HuggingFaceAdapter(HuggingFaceMedia, OpenAIAdapter):
    name = "huggingface"
    chat_path = "/v1/chat/completions"
    models_path = "/v1/models"
    # The router's chat-completion spec (hub-docs tasks/chat-completion): tools with every
    # tool_choice, response_format text/json_object/json_schema, logprobs, seed, stop, image parts;
    # no n, logit_bias, parallel_tool_calls, reasoning_effort or attribution fields.
    supported_fields = frozenset(OPTIONAL_FIELDS) - {
        "n",
        "logit_bias",
        "parallel_tool_calls",
        "reasoning_effort",
        "user",
        "safety_identifier",
        "metadata",
    }

    @property
    def max_tokens_field(self) -> str:
        return "max_tokens"

    def model_from(self, item: dict[str, Any]) -> UpstreamModel:
        offers = [p for p in item.get("providers") or [] if isinstance(p, dict)]
        # Prefer a live provider that states a price; HF passes provider prices through unchanged.
        priced = [p for p in offers if p.get("status") == "live" and p.get("pricing")]
        best = priced[0] if priced else next((p for p in offers if p.get("status") == "live"), {})
        pricing = best.get("pricing") or {}
        outputs = (item.get("architecture") or {}).get("output_modalities") or ["text"]
        inputs = (item.get("architecture") or {}).get("input_modalities") or ["text"]
        return UpstreamModel(
            id=item["id"],
            name=item["id"],
            context_length=best.get("context_length"),
            input_price_per_1m=to_decimal(pricing.get("input")),
            output_price_per_1m=to_decimal(pricing.get("output")),
            modality=f"{'+'.join(inputs)}->{'+'.join(outputs)}",
            raw=item,
        )


def flatten_messages(messages: list[dict[str, Any]]) -> str:
    """One prompt for models without a chat template; a lone user message is sent as it is."""
    if len(messages) == 1 and messages[0].get("role") == "user":
        return message_text(messages[0].get("content"))
    lines = [f"{str(m.get('role', 'user')).title()}: {message_text(m.get('content'))}" for m in messages]
    return "\n\n".join([*lines, "Assistant:"])


class HuggingFaceLegacyAdapter(HuggingFaceMedia):
    name = "huggingface"
    # The task API's `parameters`; a prompt is plain text, so no tools, images or formats.
    supported_fields = frozenset({"max_tokens", "temperature", "top_p", "stop", "seed", "frequency_penalty"})
    checks_more = True

    def unsupported_messages(self, req: ChatRequest) -> list[str]:
        found = []
        for i, message in enumerate(req.messages):
            if message.get("role") == "tool" or message.get("tool_calls"):
                found.append(f"messages[{i}].{'tool_calls' if message.get('tool_calls') else 'role'}")
            found += [f"messages[{i}].content[{j}].image_url" for j, _ in image_parts(message.get("content"))]
        return found

    def model_url(self, model: str) -> str:
        return self.url(f"/hf-inference/models/{model}")

    def body(self, req: ChatRequest, *, stream: bool) -> dict[str, Any]:
        parameters = drop_none(
            {
                "max_new_tokens": req.max_tokens,
                "temperature": req.temperature,
                "top_p": req.top_p,
                "stop": req.stop or None,
                "seed": req.seed,
                "frequency_penalty": req.frequency_penalty,
                "return_full_text": False,
                "details": True,
            }
        )
        body: dict[str, Any] = {"inputs": flatten_messages(req.messages), "parameters": parameters}
        if stream:
            body["stream"] = True
        body.update(self.passthrough(req))
        return body

    async def chat(self, req: ChatRequest) -> ChatResult:
        self.refuse_unsupported(req)
        payload = await self.request_json("POST", self.model_url(req.model), json=self.body(req, stream=False))
        item = payload[0] if isinstance(payload, list) and payload else payload
        if not isinstance(item, dict) or "generated_text" not in item:
            raise protocol_error(self.name, f"no generated_text in reply: {str(payload)[:200]}")
        text = str(item["generated_text"])
        details = item.get("details") or {}
        usage = self._usage(req, text, details)
        if not text and not (details.get("generated_tokens") or 0):
            raise empty_reply_error(self.name, _finish(details))
        return ChatResult(text, _finish(details), usage, None, req.model)

    def _usage(self, req: ChatRequest, text: str, details: dict[str, Any]) -> Usage:
        prompt = details.get("input_length")
        completion = details.get("generated_tokens")
        estimated = prompt is None or completion is None
        prompt = int(prompt) if prompt is not None else estimate_prompt_tokens(req.messages)
        completion = int(completion) if completion is not None else estimate_tokens(text)
        return Usage(prompt, completion, prompt + completion, estimated=estimated)

    def stream_chat(self, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        return self.stream(
            self.model_url(req.model), lambda: self.body(req, stream=True), lambda r: self._parse(r, req), req
        )

    async def _parse(self, response: httpx.Response, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        parts: list[str] = []
        details: dict[str, Any] | None = None
        async for event in iter_sse(response.aiter_bytes()):
            if is_done(event):  # TGI may or may not send it
                break
            chunk = decode_chunk(self.name, event)
            if chunk.get("error"):
                message, _, _ = error_fields(chunk)
                raise ProviderError("unavailable", provider=self.name, detail=message or "generation failed")
            token = chunk.get("token") or {}
            if token.get("text") and not token.get("special"):
                parts.append(token["text"])
                yield StreamDelta(token["text"])
            if chunk.get("details"):
                details = chunk["details"]
        if details is None:
            raise protocol_error(self.name, "the stream ended before the reply was complete")
        if not parts and not (details.get("generated_tokens") or 0):
            raise empty_reply_error(self.name, _finish(details))
        yield StreamEnd(_finish(details), self._usage(req, "".join(parts), details), None)

    async def list_models(self) -> list[UpstreamModel]:
        # The task API has no listing; models are added by id in the catalog.
        return []


def _finish(details: dict[str, Any]) -> str:
    return _FINISH.get(str(details.get("finish_reason")), "stop")
