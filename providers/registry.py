"""Choosing the adapter for a provider kind."""

from __future__ import annotations

import httpx

from providers.adapters.demo import DemoAdapter
from providers.adapters.huggingface import HuggingFaceAdapter, HuggingFaceLegacyAdapter
from providers.adapters.minimax import MiniMaxAdapter
from providers.adapters.ollama import OllamaAdapter
from providers.adapters.openai import OpenAIAdapter
from providers.adapters.openrouter import OpenRouterAdapter
from providers.base import Adapter, ProviderConfig

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
