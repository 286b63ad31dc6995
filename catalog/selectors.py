"""Catalog reads shared by pages, the API and the gateway."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db import models
from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import CAPABILITY_FIELDS, AIModel, Category, Favorite, ModelKind, ModelStatus, Provider
from config.memo import Memo, require_io

_RESOLVE_SECONDS = 300
_VERSION_KEY = "catalog:version"


# Re-read from the shared cache at most once a second per process: admin changes reach every
# process within a second, and the gateway's hot path does not pay a cache round trip per call.
_version_memo: Memo[str] = Memo("catalog version", ttl=1.0)


def catalog_version() -> str:
    # A random token, not a counter: after a cache flush a counter would start again at a value that
    # processes may still hold rows for; a fresh token never matches anything cached before.
    return _version_memo.get(_VERSION_KEY, lambda: cache.get_or_set(_VERSION_KEY, lambda: uuid.uuid4().hex, None))


def catalog_changed() -> None:
    """Invalidate cached catalog lookups in every process (called after seed, sync and admin saves)."""
    cache.set(_VERSION_KEY, uuid.uuid4().hex, None)
    _version_memo.forget()


def models_qs() -> QuerySet[AIModel]:
    return AIModel.objects.select_related("provider", "category")


class ModelNotFound(LookupError):
    """No model answers to a name. `candidates` lists the models it could mean when it is ambiguous."""

    def __init__(self, name: str, candidates: list[str] | tuple[str, ...] = (), *, detail: str = "") -> None:
        self.name = name
        self.candidates = list(candidates)
        if detail:
            message = detail
        elif self.candidates:
            message = f'"{name}" could be any of {", ".join(self.candidates)}: use the full name.'
        else:
            message = f'No model is named "{name}".'
        super().__init__(message)


def _provider_alias(key: str) -> int | list[str] | None:
    """A provider's name means its default chat model; None when `key` names no provider."""
    provider = Provider.objects.filter(slug__iexact=key, enabled=True).only("pk", "default_model").first()
    if provider is None:
        return None
    default = visible_models().filter(pk=provider.default_model_id, kind=ModelKind.CHAT).values_list("pk", flat=True)
    if pk := default.first():
        return pk
    # No default set: say which models the caller can choose from instead.
    chat = visible_models().filter(provider=provider, kind=ModelKind.CHAT).order_by("slug")
    return list(chat.values_list("slug", flat=True)[:10])


def _upstream_alias(key: str) -> int | list[str] | None:
    """A bare upstream id ("gpt-4o-mini") means the one model that has it, preferring visible ones."""
    for qs in (visible_models(), AIModel.objects.all()):
        rows = list(qs.filter(upstream_id=key).order_by("slug").values_list("pk", "slug")[:10])
        if len(rows) == 1:
            return rows[0][0]
        if rows:
            return [slug for _, slug in rows]
    return None


def _find(key: str) -> int | list[str] | None:
    """A primary key, or the candidate slugs when `key` is ambiguous, or None."""
    if key.isdigit():
        return AIModel.objects.filter(pk=int(key)).values_list("pk", flat=True).first()
    if pk := AIModel.objects.filter(slug=key).values_list("pk", flat=True).first():
        return pk
    found = _provider_alias(key)
    return found if found is not None else _upstream_alias(key)


def resolve_model_name(name: str) -> AIModel:
    """The model a caller means by `name`: an id, a "<provider>/<upstream id>" slug, a provider's name (its
    default chat model, e.g. "minimax") or a bare upstream id that one model has ("gpt-4o-mini").

    Raises ModelNotFound, naming the candidates when the name is ambiguous. The name→id mapping is
    cached in the shared cache (never the row: the provider's key must not sit in Redis); the row is
    then one primary-key query with its provider.
    """
    key = (name or "").strip()
    if not key:
        raise ModelNotFound("", detail="A model name is required.")
    cache_key = f"catalog:resolve:{catalog_version()}:{key}"
    found = cache.get(cache_key)
    if found is None:
        found = _find(key) or 0
        cache.set(cache_key, found, _RESOLVE_SECONDS if found else 30)
    if isinstance(found, list):
        raise ModelNotFound(key, found)
    model = models_qs().filter(pk=found).first() if found else None
    if model is None:
        raise ModelNotFound(key)
    return model


def model_resolve(slug_or_id: str) -> AIModel | None:
    """Like resolve_model_name, but None for a name that finds no single model."""
    try:
        return resolve_model_name(slug_or_id)
    except ModelNotFound:
        return None


def model_aliases() -> dict[str, str]:
    """Every short name the catalog accepts, with the slug it stands for: provider names (their default
    chat model) and bare upstream ids that exactly one visible model has. Cached per catalog version."""
    return cache.get_or_set(f"catalog:aliases:{catalog_version()}", _build_aliases, _RESOLVE_SECONDS)


def _build_aliases() -> dict[str, str]:
    visible = list(visible_models().values_list("pk", "slug", "upstream_id"))
    by_pk = {pk: slug for pk, slug, _ in visible}
    slugs = set(by_pk.values())
    aliases = {
        provider_slug: by_pk[default_pk]
        for provider_slug, default_pk in Provider.objects.filter(enabled=True).values_list("slug", "default_model")
        if default_pk in by_pk
    }
    counts = Counter(upstream for _, _, upstream in visible)
    for _, slug, upstream in visible:
        if counts[upstream] == 1 and upstream not in slugs and upstream not in aliases:
            aliases[upstream] = slug
    return dict(sorted(aliases.items()))


def models_with(capabilities: Iterable[str], *, kind: str | None = None) -> QuerySet[AIModel]:
    """Visible models that have every capability named (see catalog.models.Capability)."""
    wanted = set(capabilities)
    if unknown := wanted - CAPABILITY_FIELDS.keys():
        raise ValueError(f"Unknown capabilities: {', '.join(sorted(unknown))}")
    qs = visible_models().filter(**{CAPABILITY_FIELDS[name]: True for name in wanted})
    return qs.filter(kind=kind) if kind else qs


# The gateway's hot path resolves the same few models on every call. Each process keeps the loaded
# rows, tagged with the shared catalog version: any admin change bumps the version in the shared
# cache, so every process reloads on its next call. The shared cache stays the source of truth.
_local_chains: dict[str, tuple[str, list[AIModel]]] = {}


def model_chain(slug_or_id: str) -> list[AIModel]:
    """[model, *usable fallbacks in order], or [] when the name resolves to nothing."""
    version = catalog_version()
    key = (slug_or_id or "").strip()
    hit = _local_chains.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    require_io()
    model = model_resolve(key)
    chain = [model, *(f for f in model.ordered_fallbacks() if f.is_usable)] if model else []
    if len(_local_chains) > 1000:
        _local_chains.clear()
    _local_chains[key] = (version, chain)
    return chain


# --- discovery: one filter set for the pages and the API -----------------------------------------

SORTS = ("name", "price", "popularity", "newest")
TRENDING_SECONDS = 300
_WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class ModelFilters:
    search: str = ""
    providers: tuple[str, ...] = ()
    category: str = ""
    kind: str = ""
    capability: str = ""
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    free: bool = False
    sort: str = "name"
    order: str = ""  # "asc" | "desc"; empty means the natural order of the sort


def generation_model() -> type[models.Model] | None:
    """The ledger's Generation model, if that app is installed (catalog imports no app above it)."""
    try:
        return apps.get_model("usage", "Generation")
    except LookupError:
        return None


def _uses_since(since: datetime) -> Subquery | Value:
    generation = generation_model()
    if generation is None:
        return Value(0)
    counts = (
        generation.objects.filter(model=OuterRef("pk"), created_at__gte=since)
        .order_by()
        .values("model")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Subquery(counts, output_field=models.IntegerField())


def visible_models() -> QuerySet[AIModel]:
    """Models users may see and pick: turned on, on an enabled provider, not retired."""
    return models_qs().filter(is_active=True, provider__enabled=True).exclude(status=ModelStatus.DEPRECATED)


def _search(qs: QuerySet[AIModel], text: str) -> QuerySet[AIModel]:
    # A few hundred rows at most; a LIKE over four short columns is fine here.
    for word in text.split()[:8]:
        qs = qs.filter(
            Q(display_name__icontains=word)
            | Q(slug__icontains=word)
            | Q(description__icontains=word)
            | Q(developer__icontains=word)
        )
    return qs


def _filter(qs: QuerySet[AIModel], f: ModelFilters) -> QuerySet[AIModel]:
    if f.search:
        qs = _search(qs, f.search)
    if f.providers:
        qs = qs.filter(provider__slug__in=f.providers)
    if f.category:
        qs = qs.filter(category__slug=f.category)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.capability in CAPABILITY_FIELDS:
        qs = qs.filter(**{CAPABILITY_FIELDS[f.capability]: True})
    elif f.capability:
        # A discovery tag. JSON text match works on SQLite and PostgreSQL alike (`contains` on JSON does not).
        qs = qs.filter(capabilities__icontains=f'"{f.capability}"')
    if f.min_price is not None:
        qs = qs.filter(input_price_per_1m__gte=f.min_price)
    if f.max_price is not None:
        qs = qs.filter(input_price_per_1m__lte=f.max_price)
    if f.free:
        qs = qs.filter(is_free=True)
    return qs


def _ordering(f: ModelFilters) -> list[Any]:
    desc = f.order == "desc" or (not f.order and f.sort in ("popularity", "newest"))
    field = {
        "price": F("input_price_per_1m"),
        "popularity": F("uses_7d"),
        "newest": F("release_date"),
    }.get(f.sort, F("display_name"))
    primary = field.desc(nulls_last=True) if desc else field.asc(nulls_last=True)
    return [primary, "display_name", "pk"]


def model_list(f: ModelFilters, *, user: Any = None) -> QuerySet[AIModel]:
    """Visible models matching `f`, with `uses_7d` and, for a signed-in user, `is_favorite`."""
    qs = _filter(visible_models(), f).annotate(uses_7d=Coalesce(_uses_since(timezone.now() - _WINDOW), 0))
    if user is not None and user.is_authenticated:
        qs = qs.annotate(is_favorite=Exists(Favorite.objects.filter(user=user, model=OuterRef("pk"))))
    return qs.order_by(*_ordering(f))


def trending_models(limit: int = 10) -> list[AIModel]:
    """Most used in the last 7 days (featured models until anything has been used). Cached for 5 minutes."""
    key = f"catalog:trending:{catalog_version()}:{limit}"
    pks = cache.get(key)
    if pks is None:
        used = model_list(ModelFilters(sort="popularity")).filter(uses_7d__gt=0)
        pks = list(used.values_list("pk", flat=True)[:limit])
        if not pks:
            pks = list(visible_models().filter(featured=True).values_list("pk", flat=True)[:limit])
        cache.set(key, pks, TRENDING_SECONDS)
    by_pk = model_list(ModelFilters()).in_bulk(pks)
    return [by_pk[pk] for pk in pks if pk in by_pk]


def categories_with_counts() -> QuerySet[Category]:
    visible = Q(models__is_active=True, models__provider__enabled=True) & ~Q(models__status=ModelStatus.DEPRECATED)
    return Category.objects.filter(is_active=True).annotate(model_count=Count("models", filter=visible))


def model_stats(model: AIModel) -> dict[str, Any] | None:
    """Latency and success rate over the last 7 days; None until the model has generations."""
    generation = generation_model()
    if generation is None:
        return None
    rows = generation.objects.filter(model=model, created_at__gte=timezone.now() - _WINDOW)
    stats = rows.aggregate(
        total=Count("pk"),
        ok=Count("pk", filter=Q(status="success")),
        avg_duration_ms=Avg("duration_ms"),
        avg_ttft_ms=Avg("ttft_ms"),
    )
    if not stats["total"]:
        return None
    stats["success_rate"] = round(100 * stats["ok"] / stats["total"], 1)
    return stats


def favorite_models(user: Any) -> QuerySet[AIModel]:
    return models_qs().filter(favorited_by__user=user).order_by("-favorited_by__created_at")
