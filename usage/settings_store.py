"""Cached reads of SystemSetting, with defaults for keys nobody has set yet.

The cache is the shared one (Redis in production) and is cleared on every save; each process keeps
a copy for at most a second, so every process sees an admin's change within a second.
"""

import copy
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from config.memo import Memo
from usage.models import SettingCategory, SettingType, SystemSetting

_CACHE_KEY = "system-settings:v1"
_CACHE_SECONDS = 300
UNLIMITED = None

# key: (default, type, category, public, description)
DEFAULTS: dict[str, tuple[Any, str, str, bool, str]] = {
    "tier_limits": (
        {
            "free": {"per_minute": 10, "daily": 50, "weekly": 350, "monthly": 1500, "monthly_budget_usd": "5"},
            "basic": {"per_minute": 30, "daily": 500, "weekly": 3500, "monthly": 15000, "monthly_budget_usd": "50"},
            "pro": {"per_minute": 100, "daily": 2000, "weekly": 14000, "monthly": 60000, "monthly_budget_usd": "500"},
            "enterprise": {
                "per_minute": 500,
                "daily": None,
                "weekly": None,
                "monthly": None,
                "monthly_budget_usd": None,
            },
        },
        SettingType.OBJECT,
        SettingCategory.AI,
        True,
        "Requests per minute, daily/weekly/monthly request quotas and monthly spend budget (USD) per tier; "
        "null means unlimited.",
    ),
    "default_model": (
        settings.DEFAULT_MODEL,
        SettingType.STRING,
        SettingCategory.AI,
        True,
        "Model preselected in the playground.",
    ),
    "maintenance_banner": (
        "",
        SettingType.STRING,
        SettingCategory.GENERAL,
        True,
        "Shown on every page when not empty.",
    ),
    "charge_estimated_usage": (
        True,
        SettingType.BOOLEAN,
        SettingCategory.AI,
        False,
        "Charge what a stream delivered before it failed, stalled or was cancelled when the provider "
        "reported no usage (counted locally, marked estimated). Off: such calls cost nothing.",
    ),
    "signup_enabled": (
        True,
        SettingType.BOOLEAN,
        SettingCategory.SECURITY,
        True,
        "Whether new accounts can be created.",
    ),
}


def _load() -> dict[str, Any]:
    # Copies: callers may change what they get, and must never change the defaults themselves.
    values = {key: copy.deepcopy(spec[0]) for key, spec in DEFAULTS.items()}
    values.update(dict(SystemSetting.objects.values_list("key", "value")))
    return values


# This process's copy, re-read at most once a second: tier limits are read on every gateway call.
_memo: Memo[dict[str, Any]] = Memo("system settings", ttl=1.0)


def _shared_settings() -> dict[str, Any]:
    values = cache.get(_CACHE_KEY)
    if values is None:
        values = _load()
        cache.set(_CACHE_KEY, values, _CACHE_SECONDS)
    return values


def all_settings() -> dict[str, Any]:
    """Every setting. Shared with the rest of the process: read it, never change it (see get_setting)."""
    return _memo.get(_CACHE_KEY, _shared_settings)


def get_setting(key: str, default: Any = None) -> Any:
    return copy.deepcopy(all_settings().get(key, default))


def public_settings() -> dict[str, Any]:
    public_keys = {key for key, spec in DEFAULTS.items() if spec[3]}
    public_keys |= set(SystemSetting.objects.filter(is_public=True).values_list("key", flat=True))
    public_keys -= set(SystemSetting.objects.filter(is_public=False).values_list("key", flat=True))
    values = all_settings()
    return {key: copy.deepcopy(values[key]) for key in sorted(public_keys) if key in values}


def tier_limits(tier: str) -> dict[str, Any]:
    """Limits for one tier; unknown tiers get the free tier's limits rather than none."""
    # A shallow copy of one tier is enough: its values are numbers (read on every gateway call).
    limits = all_settings().get("tier_limits") or DEFAULTS["tier_limits"][0]
    chosen = dict(limits.get(tier) or limits.get("free") or DEFAULTS["tier_limits"][0]["free"])
    budget = chosen.get("monthly_budget_usd")
    chosen["monthly_budget_usd"] = Decimal(str(budget)) if budget not in (None, "") else UNLIMITED
    return chosen


def default_model(user: Any) -> str:
    """The model a call that names none goes to: the user's choice, else the platform's (an admin
    setting, whose own default is settings.DEFAULT_MODEL)."""
    return getattr(user, "default_model", "") or str(all_settings().get("default_model") or settings.DEFAULT_MODEL)


def charge_estimated_usage() -> bool:
    return bool(all_settings().get("charge_estimated_usage", True))


def seed_defaults() -> int:
    created = 0
    for key, (default, type_, category, public, description) in DEFAULTS.items():
        _, was_created = SystemSetting.objects.get_or_create(
            key=key,
            defaults={
                "value": default,
                "type": type_,
                "category": category,
                "is_public": public,
                "description": description,
            },
        )
        created += was_created
    return created


@receiver([post_save, post_delete], sender=SystemSetting)
def _forget_cached_settings(**kwargs: Any) -> None:
    cache.delete(_CACHE_KEY)
    _memo.forget()
