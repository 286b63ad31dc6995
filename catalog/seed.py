"""Load the shipped catalog (catalog/data/models.json) into the database.

Ownership, so that re-running is safe: the file owns descriptions, specs and prices, which
are updated on every run. Admins own a model's `is_active`, `featured` and `status`, and a
provider's `enabled`, `base_url` and `api_key`: those are written only when the row is created.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from catalog.models import AIModel, Category, ModelFallback, Provider
from catalog.selectors import catalog_changed
from catalog.upsert import upsert

DATA_FILE = Path(__file__).resolve().parent / "data" / "models.json"

# JSON key → AIModel field, for the keys whose names are shortened in the file.
_RENAMES = {
    "input": "input_price_per_1m",
    "output": "output_price_per_1m",
    "cached": "cached_input_price_per_1m",
    "per_request": "price_per_request",
    "per_video": "price_per_video",
    "per_second": "price_per_video_second",
    "ctx": "context_window",
    "out": "max_output_tokens",
    "date": "price_date",
    "src": "price_source",
    "caps": "capabilities",
    "release": "release_date",
    "temp_max": "temperature_max",
    "temp_default": "temperature_default",
}
_DECIMALS = {
    "input_price_per_1m",
    "output_price_per_1m",
    "cached_input_price_per_1m",
    "price_per_request",
    "price_per_video",
    "price_per_video_second",
    "temperature_max",
    "temperature_default",
}
_DATES = {"price_date", "release_date"}
_PRICES = ("input_price_per_1m", "output_price_per_1m", "cached_input_price_per_1m", "price_per_request")
_VIDEO_PRICES = ("price_per_video", "price_per_video_second")
MODEL_CREATE_ONLY = ("featured", "status", "is_active")
_SKIP = {"slug", "provider", "category", "fallbacks", *MODEL_CREATE_ONLY}


def load_data(path: Path = DATA_FILE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _convert(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field in _DECIMALS:
        return Decimal(str(value))
    if field in _DATES:
        return date.fromisoformat(value)
    return value


def model_values(entry: dict[str, Any]) -> dict[str, Any]:
    """The file-owned fields of one model entry. Prices missing from the file are null (unpriced)."""
    values: dict[str, Any] = {name: None for name in (*_PRICES, *_VIDEO_PRICES)}
    values.update({"is_free": False, "tags": [], "capabilities": []})
    for key, raw in entry.items():
        if key.startswith("_") or key in _SKIP:
            continue
        field = _RENAMES.get(key, key)
        values[field] = _convert(field, raw)
    return values


def _seed_providers(rows: list[dict[str, Any]]) -> dict[str, Provider]:
    providers = {}
    for row in rows:
        provider, _ = upsert(
            Provider,
            lookup={"slug": row["slug"]},
            values={"name": row["name"], "adapter_kind": row["adapter_kind"], "notes": row.get("notes", "")},
            create_only={"enabled": True, "is_custom": False},
        )
        providers[provider.slug] = provider
    return providers


def _seed_categories(rows: list[dict[str, Any]]) -> dict[str, Category]:
    categories = {}
    for row in rows:
        values = {key: value for key, value in row.items() if key != "slug"}
        categories[row["slug"]] = upsert(Category, lookup={"slug": row["slug"]}, values=values)[0]
    return categories


def _seed_fallbacks(entry: dict[str, Any], models: dict[str, AIModel]) -> None:
    model = models[entry["slug"]]
    for position, slug in enumerate(entry.get("fallbacks", [])):
        upsert(ModelFallback, lookup={"model": model, "fallback": models[slug]}, values={"position": position})


@transaction.atomic
def seed_catalog(path: Path = DATA_FILE) -> Counter[str]:
    """Create or update providers, categories, models and fallbacks from the file; returns counts by outcome."""
    data = load_data(path)
    providers = _seed_providers(data["providers"])
    categories = _seed_categories(data["categories"])
    outcomes: Counter[str] = Counter()
    models: dict[str, AIModel] = {}
    for entry in data["models"]:
        values = model_values(entry)
        values["provider"] = providers[entry["provider"]]
        values["category"] = categories.get(entry.get("category", ""))
        create_only = {"featured": entry.get("featured", False), "status": entry.get("status", "active")}
        create_only["is_active"] = entry.get("is_active", True)
        model, outcome = upsert(AIModel, lookup={"slug": entry["slug"]}, values=values, create_only=create_only)
        models[model.slug] = model
        outcomes[outcome] += 1
    for entry in data["models"]:
        _seed_fallbacks(entry, models)
    transaction.on_commit(catalog_changed)
    return outcomes
