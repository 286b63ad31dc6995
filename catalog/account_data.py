"""The catalog's part of a user's data export and of account deletion."""

from typing import Any

from catalog.models import Favorite, UserProviderKey


def account_export(user: Any) -> dict[str, Any]:
    return {
        "favorites": list(Favorite.objects.filter(user=user).values_list("model__slug", flat=True)),
        # Which providers have the user's own key, never the key itself.
        "provider_keys": [
            {"provider": k.provider.slug, "last4": k.last4, "created_at": k.created_at.isoformat()}
            for k in UserProviderKey.objects.filter(user=user).select_related("provider")
        ],
    }


def account_erase(user: Any) -> None:
    Favorite.objects.filter(user=user).delete()
    UserProviderKey.objects.filter(user=user).delete()
