"""Choosing the adapter for a provider kind."""

from __future__ import annotations

import httpx

from providers.adapters.demo import DemoAdapter
from providers.adapters.huggingface import HuggingFaceAdapter, HuggingFaceLegacyAdapter
from providers.adapters.minimax import MiniMaxAdapter
from providers.adapters.ollama import OllamaAdapter
from providers.adapters.openai import OpenAIAdapter
from providers.adapters.openrouter import OpenRouterAdapter
from providers.base import Adapter, ChatRequest, EmbeddingRequest, ImageRequest, ProviderConfig

ADAPTERS: dict[str, type[Adapter]] = {
    "openai": OpenAIAdapter,
    "openai_compatible": OpenAIAdapter,
    "openrouter": OpenRouterAdapter,
    "huggingface": HuggingFaceAdapter,
    "huggingface_legacy": HuggingFaceLegacyAdapter,
    "minimax": MiniMaxAdapter,
    "ollama": OllamaAdapter,
    "demo": DemoAdapter,
}


KINDS: tuple[str, ...] = tuple(ADAPTERS)


def get_adapter(config: ProviderConfig, client: httpx.AsyncClient | None = None) -> Adapter:
    try:
        adapter_class = ADAPTERS[config.kind]
    except KeyError:
        raise ValueError(f"Unknown provider kind {config.kind!r}; expected one of {', '.join(ADAPTERS)}") from None
    return adapter_class(config, client)


def unsupported_fields(provider: ProviderConfig | str, req: ChatRequest | EmbeddingRequest | ImageRequest) -> list[str]:
    """What of `req` the provider (a config, or just its kind) cannot honour, by name; [] if all.

    Doors call this before admission, so that a refusal is a 400 naming the field and no upstream
    call is made. The adapters refuse the same fields themselves (ProviderError, code
    "unsupported_field") if asked anyway. For a modality the provider does not serve at all the
    answer is [] and the call itself is refused (code "unsupported_modality"); see modalities().
    """
    config = provider if isinstance(provider, ProviderConfig) else ProviderConfig(kind=provider, base_url="")
    return get_adapter(config).unsupported_fields(req)


def supported_fields(kind: str) -> frozenset[str]:
    """The ChatRequest fields an adapter kind sends upstream or translates (value checks aside)."""
    return ADAPTERS[kind].supported_fields


def modalities(kind: str) -> frozenset[str]:
    """What an adapter kind serves: "chat", "embedding", "image", "video"."""
    return ADAPTERS[kind].modalities
