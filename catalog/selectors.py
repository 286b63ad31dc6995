"""Catalog reads shared by pages, the API and the gateway."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from catalog.models import AIModel

_RESOLVE_SECONDS = 300
_VERSION_KEY = "catalog:version"


def catalog_version() -> int:
    return cache.get_or_set(_VERSION_KEY, 1, None)


def catalog_changed() -> None:
    """Invalidate cached catalog lookups in every process (called after seed, sync and admin saves)."""
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, None)


def models_qs() -> QuerySet[AIModel]:
    return AIModel.objects.select_related("provider", "category")


def _find_pk(key: str) -> int | None:
    if key.isdigit():
        return AIModel.objects.filter(pk=int(key)).values_list("pk", flat=True).first()
    if pk := AIModel.objects.filter(slug=key).values_list("pk", flat=True).first():
        return pk
    # A bare upstream id ("gpt-4o-mini") is accepted only when one provider has it.
    pks = list(AIModel.objects.filter(upstream_id=key).values_list("pk", flat=True)[:2])
    return pks[0] if len(pks) == 1 else None


def model_resolve(slug_or_id: str) -> AIModel | None:
    """A model by id, by "<provider>/<upstream id>" slug, or by bare upstream id when unambiguous.

    The key→id mapping is cached in the shared cache (never the row itself: the provider's key
    must not sit in Redis); the row is then one primary-key query with its provider.
    """
    key = (slug_or_id or "").strip()
    if not key:
        return None
    cache_key = f"catalog:resolve:{catalog_version()}:{key}"
    pk = cache.get(cache_key)
    if pk is None:
        pk = _find_pk(key) or 0
        cache.set(cache_key, pk, _RESOLVE_SECONDS if pk else 30)
    if not pk:
        return None
    return models_qs().filter(pk=pk).first()
