"""Catalog services: how to reach a provider, and users' own keys (bring your own key).

Every door (playground views, the REST API, the OpenAI-compatible API, Celery tasks) asks
`provider_config_for` for a ready ProviderConfig, so the key precedence lives in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from catalog.models import AdapterKind, Provider, UserProviderKey
from config.memo import Memo, require_io
from providers.base import ProviderConfig

if TYPE_CHECKING:
    from accounts.models import User

KeySource = Literal["user", "provider", "environment", "none"]


def _env_settings(provider: Provider) -> dict[str, str]:
    # Custom providers are only what the admin typed in; they never borrow a platform key.
    if provider.is_custom:
        return {}
    return settings.PROVIDER_SETTINGS.get(provider.adapter_kind, {})


_HAS_OWN_KEYS = "byok:has:{}"


# The yes/no per user, in this process for a second (the gateway's hot path asks on every call).
_own_keys_memo: Memo[bool] = Memo("user has provider keys", ttl=1.0)


def _has_own_keys(user: User) -> bool:
    """Whether the user stored any provider key; cached so most calls skip the query.
    Only the yes/no is cached, never a key."""

    def load() -> bool:
        flag = cache.get(_HAS_OWN_KEYS.format(user.pk))
        if flag is None:
            flag = UserProviderKey.objects.filter(user=user).exists()
            cache.set(_HAS_OWN_KEYS.format(user.pk), flag, 3600)
        return bool(flag)

    return _own_keys_memo.get(user.pk, load)


def _forget_own_keys(user: User) -> None:
    cache.delete(_HAS_OWN_KEYS.format(user.pk))
    _own_keys_memo.forget(user.pk)


def own_key_provider_ids(user: User | None) -> frozenset[int]:
    """The providers `user` stored a key for: one query, skipped for the many users who stored none."""
    if user is None or not user.is_authenticated or not _has_own_keys(user):
        return frozenset()
    require_io()
    return frozenset(UserProviderKey.objects.filter(user=user).values_list("provider_id", flat=True))


def platform_has_key(provider: Provider) -> bool:
    """Whether the operator configured a key for `provider` (on its row or in the environment)."""
    return bool(provider.api_key or _env_settings(provider).get("api_key"))


def _user_key(provider: Provider, user: User | None) -> str:
    if user is None or not user.is_authenticated or not _has_own_keys(user):
        return ""
    require_io()
    row = UserProviderKey.objects.filter(user=user, provider=provider).only("api_key").first()
    return row.api_key if row else ""


def resolve_key(*, provider: Provider, user: User | None = None) -> tuple[str, KeySource]:
    """The key to use and where it came from: the user's own, then the provider row, then the environment."""
    if key := _user_key(provider, user):
        return key, "user"
    if provider.api_key:
        return provider.api_key, "provider"
    if key := _env_settings(provider).get("api_key", ""):
        return key, "environment"
    return "", "none"


def key_source_for(*, provider: Provider, user: User | None = None) -> KeySource:
    return resolve_key(provider=provider, user=user)[1]


def base_url_for(provider: Provider) -> str:
    return (provider.base_url or _env_settings(provider).get("base_url", "")).rstrip("/")


def provider_config_for(*, provider: Provider, user: User | None = None) -> ProviderConfig:
    """Everything an adapter needs to call `provider`, on behalf of `user` when given."""
    api_key, _ = resolve_key(provider=provider, user=user)
    kind = provider.adapter_kind
    if provider.is_custom and kind not in (AdapterKind.OPENAI_COMPATIBLE, AdapterKind.OLLAMA, AdapterKind.OPENAI):
        kind = AdapterKind.OPENAI_COMPATIBLE
    return ProviderConfig(
        kind=kind,
        base_url=base_url_for(provider),
        api_key=api_key,
        connect_timeout=settings.PROVIDER_CONNECT_TIMEOUT,
        read_timeout=settings.PROVIDER_READ_TIMEOUT,
        total_timeout=settings.PROVIDER_TOTAL_TIMEOUT,
        max_retries=settings.PROVIDER_MAX_RETRIES,
        # Built-in URLs come from the operator's environment; custom ones were typed into the admin.
        allow_private=settings.ALLOW_PRIVATE_URLS if provider.is_custom else True,
        app_url=getattr(settings, "SITE_URL", ""),
        app_name=getattr(settings, "SITE_NAME", ""),
    )


@transaction.atomic
def user_provider_key_set(*, user: User, provider: Provider, api_key: str) -> UserProviderKey:
    """Store (or replace) the user's own key for `provider`; only the last four characters stay readable."""
    api_key = api_key.strip()
    if not api_key:
        raise ValueError("An empty key cannot be stored; delete the key instead.")
    row, _ = UserProviderKey.objects.update_or_create(
        user=user, provider=provider, defaults={"api_key": api_key, "last4": api_key[-4:]}
    )
    _forget_own_keys(user)
    return row


def user_provider_key_delete(*, user: User, provider: Provider) -> bool:
    deleted, _ = UserProviderKey.objects.filter(user=user, provider=provider).delete()
    _forget_own_keys(user)
    return bool(deleted)
