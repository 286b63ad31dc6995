"""Import or update models from a provider's own list endpoint.

New models arrive as beta and inactive, so nothing appears to users until an admin turns it on.
Existing models get the upstream's current prices and limits; names, categories and an admin's
choices are left alone. Running twice in a row changes nothing.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.models import AdapterKind, AIModel, Modality, ModelStatus, Provider
from catalog.selectors import catalog_changed
from catalog.services import provider_config_for
from catalog.upsert import upsert
from providers.base import ProviderConfig, UpstreamModel
from providers.http import async_client, timeout_for
from providers.registry import get_adapter

SYNCABLE = ("openrouter", "huggingface", "ollama", "openai")
_SIX_PLACES = Decimal("0.000001")
_PRICE_FIELDS = ("input_price_per_1m", "output_price_per_1m")


async def _fetch(config: ProviderConfig) -> list[UpstreamModel]:
    # A client of our own: the shared one belongs to an event loop that ends with this call.
    timeout = timeout_for(config.connect_timeout, config.read_timeout)
    async with async_client(allow_private=config.allow_private, timeout=timeout) as client:
        return await get_adapter(config, client).list_models()


def fetch_upstream_models(provider: Provider) -> list[UpstreamModel]:
    return asyncio.run(_fetch(provider_config_for(provider=provider)))


def modality_for(upstream: UpstreamModel) -> str:
    """OpenRouter says "text+image->text"; others say "text", "embedding"... Map on what comes out."""
    output = upstream.modality.split("->")[-1].lower()
    if "video" in output:
        return Modality.VIDEO
    if "embed" in output:
        return Modality.EMBEDDING
    if output.strip() == "image":
        return Modality.IMAGE
    return Modality.CHAT


def _price(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(_SIX_PLACES)


def _updates(provider: Provider, upstream: UpstreamModel) -> dict[str, Any]:
    """Fields the upstream is the authority on; a value it doesn't report leaves ours alone."""
    values: dict[str, Any] = {"upstream_id": upstream.id}
    if upstream.context_length:
        values["context_window"] = upstream.context_length
    if upstream.max_output_tokens:
        values["max_output_tokens"] = upstream.max_output_tokens
    if provider.adapter_kind == AdapterKind.OLLAMA:
        return values  # local models have no price to sync; the seed marks them free
    for field in _PRICE_FIELDS:
        price = _price(getattr(upstream, field))
        if price is not None:
            values[field] = price
    return values


def _new_model_fields(provider: Provider, upstream: UpstreamModel) -> dict[str, Any]:
    local = provider.adapter_kind == AdapterKind.OLLAMA
    return {
        "display_name": (upstream.name or upstream.id)[:200],
        "modality": modality_for(upstream),
        "status": ModelStatus.BETA,
        "is_active": False,
        "is_free": local,
        "input_price_per_1m": Decimal(0) if local else None,
        "output_price_per_1m": Decimal(0) if local else None,
        "price_source": f"{provider.name} model list (sync_catalog)",
        "price_date": timezone.localdate(),
    }


def _prices_changed(model: AIModel, values: dict[str, Any]) -> bool:
    return any(field in values and getattr(model, field) != values[field] for field in _PRICE_FIELDS)


def sync_model(provider: Provider, upstream: UpstreamModel) -> str:
    slug = f"{provider.slug}/{upstream.id}"
    values = _updates(provider, upstream)
    existing = AIModel.objects.filter(slug=slug).first()
    if existing is not None and _prices_changed(existing, values):
        values["price_date"] = timezone.localdate()
        values["price_source"] = f"{provider.name} model list (sync_catalog)"
    create_only = {"provider": provider, **_new_model_fields(provider, upstream)}
    for field in values:
        create_only.pop(field, None)
    return upsert(AIModel, lookup={"slug": slug}, values=values, create_only=create_only)[1]


def sync_catalog(*, provider: Provider, upstream_models: list[UpstreamModel] | None = None) -> Counter[str]:
    """Bring `provider`'s models in line with its list endpoint; returns counts by outcome."""
    if upstream_models is None:
        upstream_models = fetch_upstream_models(provider)
    outcomes: Counter[str] = Counter()
    with transaction.atomic():
        for upstream in upstream_models:
            outcomes[sync_model(provider, upstream)] += 1
        transaction.on_commit(catalog_changed)
    return outcomes
