"""OpenRouter: OpenAI's format plus attribution headers, reported cost and mid-stream errors; embeddings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from providers.adapters._http import to_decimal
from providers.adapters.openai import OpenAIAdapter
from providers.base import OPTIONAL_FIELDS, Adapter, ProviderError, UpstreamModel
from providers.errors import http_error, load_json

PER_MILLION = Decimal(1_000_000)


def per_million(per_token: Any) -> Decimal | None:
    price = to_decimal(per_token)
    return None if price is None or price < 0 else price * PER_MILLION  # "-1" marks a variable price


class OpenRouterAdapter(OpenAIAdapter):
    name = "openrouter"
    # From OpenRouter's parameter reference: no `n`; `user` is its attribution field, while
    # `safety_identifier` and `metadata` are not taken (the gateway records them).
    supported_fields = frozenset(OPTIONAL_FIELDS) - {"n", "safety_identifier", "metadata"}
    # Its embeddings API is OpenAI's (base64 documented; `usage.cost` read); it generates images only
    # through chat completions, which is not this door.
    modalities = frozenset({"chat", "embedding"})
    base64_embeddings = True
    generate_images = Adapter.generate_images

    @property
    def max_tokens_field(self) -> str:
        return "max_tokens"

    def headers(self) -> dict[str, str]:
        headers = super().headers()
        if self.config.app_url:
            headers["HTTP-Referer"] = self.config.app_url
        if self.config.app_name:
            headers["X-Title"] = self.config.app_name
            headers["X-OpenRouter-Title"] = self.config.app_name
        return headers

    def error_from_response(self, response: httpx.Response, body: bytes) -> ProviderError:
        error = http_error(self.name, response, body)
        if response.status_code == 403 and _is_moderation(load_json(body)):
            error.kind = "content_filter"
        return error

    def model_from(self, item: dict[str, Any]) -> UpstreamModel:
        pricing = item.get("pricing") or {}
        top = item.get("top_provider") or {}
        architecture = item.get("architecture") or {}
        return UpstreamModel(
            id=item["id"],
            name=item.get("name") or item["id"],
            context_length=item.get("context_length") or top.get("context_length"),
            max_output_tokens=top.get("max_completion_tokens"),
            input_price_per_1m=per_million(pricing.get("prompt")),
            output_price_per_1m=per_million(pricing.get("completion")),
            modality=architecture.get("modality") or "text->text",
            raw=item,
        )


def _is_moderation(payload: Any) -> bool:
    metadata = ((payload or {}).get("error") or {}).get("metadata") if isinstance(payload, dict) else None
    return isinstance(metadata, dict) and bool(metadata.get("reasons") or metadata.get("flagged_input"))
