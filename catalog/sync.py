"""Import or update models from a provider's own list endpoint.

Each listed model is classified by kind first (catalog.kinds): image, embedding and video models are
filed as such, and models no door here can serve (speech, transcription, moderation) are skipped and
reported, never imported as chat. New models arrive as beta and inactive, so nothing appears to users
until an admin turns it on. Existing models get the upstream's current prices and limits, and the
price they replace is kept in the price history; names, categories and an admin's choices are left
alone. Running twice in a row changes nothing.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from catalog.kinds import classify
from catalog.models import AdapterKind, AIModel, ModelStatus, Provider
from catalog.prices import model_price_record_change, price_snapshot
from catalog.selectors import catalog_changed
from catalog.services import provider_config_for
from catalog.upsert import upsert
from providers.base import ProviderConfig, UpstreamModel
from providers.http import async_client, timeout_for
from providers.registry import get_adapter

SYNCABLE = ("openrouter", "huggingface", "ollama", "openai")
_SIX_PLACES = Decimal("0.000001")
_PRICE_FIELDS = ("input_price_per_1m", "output_price_per_1m")


@dataclass
class SyncReport:
    outcomes: Counter[str] = field(default_factory=Counter)  # created / updated / unchanged / skipped
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (upstream id, why)


async def _fetch(config: ProviderConfig) -> list[UpstreamModel]:
    # A client of our own: the shared one belongs to an event loop that ends with this call.
    timeout = timeout_for(config.connect_timeout, config.read_timeout)
    async with async_client(allow_private=config.allow_private, timeout=timeout) as client:
        return await get_adapter(config, client).list_models()


def fetch_upstream_models(provider: Provider) -> list[UpstreamModel]:
    return asyncio.run(_fetch(provider_config_for(provider=provider)))


def upstream_id_for(provider: Provider, upstream: UpstreamModel) -> str:
    # Ollama's ":latest" is the tag it assumes when none is given: "llama3.2:latest" is "llama3.2".
    if provider.adapter_kind == AdapterKind.OLLAMA:
        return upstream.id.removesuffix(":latest")
    return upstream.id


def _price(value: Decimal | None) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(_SIX_PLACES)


def _updates(provider: Provider, upstream: UpstreamModel) -> dict[str, Any]:
    """Fields the upstream is the authority on; a value it doesn't report leaves ours alone."""
    values: dict[str, Any] = {"upstream_id": upstream_id_for(provider, upstream)}
    if upstream.context_length:
        values["context_window"] = upstream.context_length
    if upstream.max_output_tokens:
        values["max_output_tokens"] = upstream.max_output_tokens
    if provider.adapter_kind == AdapterKind.OLLAMA:
        return values  # local models have no price to sync; the seed marks them free
    for name in _PRICE_FIELDS:
        price = _price(getattr(upstream, name))
        if price is not None:
            values[name] = price
    return values


def _new_model_fields(provider: Provider, upstream: UpstreamModel, kind: str) -> dict[str, Any]:
    local = provider.adapter_kind == AdapterKind.OLLAMA
    return {
        "display_name": (upstream.name or upstream.id)[:200],
        "kind": kind,
        "status": ModelStatus.BETA,
        "is_active": False,
        "is_free": local,
        "input_price_per_1m": Decimal(0) if local else None,
        "output_price_per_1m": Decimal(0) if local else None,
        "price_source": f"{provider.name} model list (sync_catalog)",
        "price_date": timezone.localdate(),
    }


def _prices_changed(model: AIModel, values: dict[str, Any]) -> bool:
    return any(name in values and getattr(model, name) != values[name] for name in _PRICE_FIELDS)


def sync_model(provider: Provider, upstream: UpstreamModel, kind: str) -> str:
    slug = f"{provider.slug}/{upstream_id_for(provider, upstream)}"
    values = _updates(provider, upstream)
    existing = AIModel.objects.filter(slug=slug).first()
    before = price_snapshot(existing) if existing else None
    if existing is not None and _prices_changed(existing, values):
        values["price_date"] = timezone.localdate()
        values["price_source"] = f"{provider.name} model list (sync_catalog)"
    create_only = {"provider": provider, **_new_model_fields(provider, upstream, kind)}
    for name in values:
        create_only.pop(name, None)
    model, outcome = upsert(AIModel, lookup={"slug": slug}, values=values, create_only=create_only)
    model_price_record_change(model=model, before=before)
    return outcome


def sync_catalog(*, provider: Provider, upstream_models: list[UpstreamModel] | None = None) -> SyncReport:
    """Bring `provider`'s models in line with its list endpoint; returns counts by outcome and the skips."""
    if upstream_models is None:
        upstream_models = fetch_upstream_models(provider)
    report = SyncReport()
    with transaction.atomic():
        for upstream in upstream_models:
            found = classify(upstream)
            if found.kind is None:
                report.outcomes["skipped"] += 1
                report.skipped.append((upstream.id, found.reason))
                continue
            report.outcomes[sync_model(provider, upstream, found.kind)] += 1
        transaction.on_commit(catalog_changed)
    return report
