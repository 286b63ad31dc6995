"""Load the shipped catalog (catalog/data/models.json) into the database. Run by every `make run`.

Seeding never undoes an admin: each row remembers what seeding last wrote (`seeded_values`). A field
that still holds that value follows the file when the file changes; an empty field is filled; a field
an admin changed is left alone and reported. A model's `is_active`, `featured` and `status`, and a
provider's `enabled`, `base_url` and `api_key`, belong to admins from the start: they are written only
when the row is created.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from catalog.models import CAPABILITY_FIELDS, STATED_CAPABILITIES, AIModel, Category, ModelFallback, Provider
from catalog.prices import PRICE_AMOUNT_FIELDS, model_price_record_change, price_snapshot
from catalog.selectors import catalog_changed
from catalog.upsert import SeedResult, plain, seed_upsert

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
    "image_prices": "image_prices",
    "image_output": "image_output_price_per_1m",
    "dims": "embedding_dimensions",
    "release": "release_date",
    "temp_max": "temperature_max",
    "temp_default": "temperature_default",
}
_DECIMALS = {*PRICE_AMOUNT_FIELDS, "temperature_max", "temperature_default"}
_DATES = {"price_date", "release_date"}
MODEL_CREATE_ONLY = ("featured", "status", "is_active")
_SKIP = {"slug", "provider", "category", "fallbacks", "supports", *MODEL_CREATE_ONLY}


@dataclass(frozen=True)
class KeptChange:
    """A field an admin changed that differs from the shipped file, and was therefore left alone."""

    row: str
    field: str
    current: Any
    shipped: Any

    def __str__(self) -> str:
        return f"{self.row} {self.field}: kept {plain(self.current)!r} (the file says {plain(self.shipped)!r})"


@dataclass
class SeedReport:
    outcomes: Counter[str] = field(default_factory=Counter)  # models: created / updated / unchanged
    kept: list[KeptChange] = field(default_factory=list)

    def note(self, label: str, result: SeedResult[Any]) -> None:
        self.kept.extend(KeptChange(label, name, current, shipped) for name, current, shipped in result.kept)


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
    values: dict[str, Any] = {name: None for name in PRICE_AMOUNT_FIELDS}
    values.update({"is_free": False, "tags": [], "capabilities": [], "image_prices": {}})
    for key, raw in entry.items():
        if key.startswith("_") or key in _SKIP:
            continue
        field = _RENAMES.get(key, key)
        values[field] = _convert(field, raw)
    if "supports" in entry:
        values.update(_supports(entry["slug"], entry["supports"]))
    return values


def _supports(slug: str, listed: list[str]) -> dict[str, bool]:
    """What the file's "supports" list decides: listed means yes, not listed means no."""
    if unknown := set(listed) - set(STATED_CAPABILITIES):
        raise ValueError(f"{slug}: unknown capabilities {sorted(unknown)} in the catalog file.")
    return {CAPABILITY_FIELDS[c]: c in listed for c in STATED_CAPABILITIES}


def _seed_providers(rows: list[dict[str, Any]], report: SeedReport) -> dict[str, Provider]:
    providers = {}
    for row in rows:
        result = seed_upsert(
            Provider,
            lookup={"slug": row["slug"]},
            values={"name": row["name"], "adapter_kind": row["adapter_kind"], "notes": row.get("notes", "")},
            create_only={"enabled": True, "is_custom": False},
        )
        report.note(f"provider {row['slug']}", result)
        providers[result.row.slug] = result.row
    return providers


def _seed_categories(rows: list[dict[str, Any]], report: SeedReport) -> dict[str, Category]:
    categories = {}
    for row in rows:
        values = {key: value for key, value in row.items() if key != "slug"}
        result = seed_upsert(Category, lookup={"slug": row["slug"]}, values=values)
        report.note(f"category {row['slug']}", result)
        categories[row["slug"]] = result.row
    return categories


def _seed_model(entry: dict[str, Any], providers: dict[str, Provider], categories: dict[str, Category]) -> SeedResult:
    values = model_values(entry)
    values["provider"] = providers[entry["provider"]]
    values["category"] = categories.get(entry.get("category", ""))
    create_only = {name: entry[name] for name in MODEL_CREATE_ONLY if name in entry}
    existing = AIModel.objects.filter(slug=entry["slug"]).first()
    before = price_snapshot(existing) if existing else None
    result = seed_upsert(AIModel, lookup={"slug": entry["slug"]}, values=values, create_only=create_only)
    # A new price from the file keeps the old one in the price history, like an admin's edit would.
    model_price_record_change(model=result.row, before=before)
    return result


def _fallback_slugs(model: AIModel) -> list[str]:
    return list(model.fallback_links.order_by("position").values_list("fallback__slug", flat=True))


def _seed_fallbacks(entry: dict[str, Any], models: dict[str, AIModel], report: SeedReport) -> None:
    """Fallback chains follow the same rule as fields: filled when empty, followed while untouched."""
    model = models[entry["slug"]]
    shipped, current = entry.get("fallbacks", []), _fallback_slugs(model)
    baseline = model.seeded_values.get("fallbacks")
    if current != shipped:
        if current and baseline != current:
            report.kept.append(KeptChange(model.slug, "fallbacks", current, shipped))
            return
        model.fallback_links.all().delete()
        for position, slug in enumerate(shipped):
            ModelFallback.objects.create(model=model, fallback=models[slug], position=position)
    if baseline != shipped:
        model.seeded_values = {**model.seeded_values, "fallbacks": shipped}
        model.save(update_fields=["seeded_values"])


def _seed_default_models(rows: list[dict[str, Any]], report: SeedReport) -> None:
    """What each provider's name stands for ("minimax" → its default chat model); an admin's choice stays."""
    for row in rows:
        if not row.get("default_model"):
            continue
        default = AIModel.objects.get(slug=row["default_model"])
        result = seed_upsert(Provider, lookup={"slug": row["slug"]}, values={"default_model": default})
        report.note(f"provider {row['slug']}", result)


@transaction.atomic
def seed_catalog(path: Path = DATA_FILE) -> SeedReport:
    """Create or merge providers, categories, models and fallbacks from the file; report what was kept."""
    data = load_data(path)
    report = SeedReport()
    providers = _seed_providers(data["providers"], report)
    categories = _seed_categories(data["categories"], report)
    models: dict[str, AIModel] = {}
    for entry in data["models"]:
        result = _seed_model(entry, providers, categories)
        models[result.row.slug] = result.row
        report.outcomes[result.outcome] += 1
        report.note(entry["slug"], result)
    for entry in data["models"]:
        _seed_fallbacks(entry, models, report)
    _seed_default_models(data["providers"], report)
    transaction.on_commit(catalog_changed)
    return report
