"""Whether a user can call a model right now, and if not, why and what to do about it.

Cheap enough for every page and every API list: one query for the user's own keys (none for the
many users who stored no key), one shared-cache round trip for the self-hosted servers on the page,
and nothing that waits on a provider.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from catalog.models import AdapterKind, AIModel, ModelStatus, Provider
from catalog.reachability import Reachability, reachability
from catalog.services import own_key_provider_ids, platform_has_key

AVAILABLE = "available"
NEEDS_KEY = "needs_key"
LOCAL_UNREACHABLE = "local_unreachable"
DISABLED = "disabled"

# Built-in providers that refuse calls without a key. Local servers and admin-added ones need none.
KEYED_KINDS = {
    AdapterKind.OPENAI,
    AdapterKind.OPENROUTER,
    AdapterKind.HUGGINGFACE,
    AdapterKind.HUGGINGFACE_LEGACY,
    AdapterKind.MINIMAX,
}
# The page where users store their own provider keys.
OWN_KEYS_URL_NAME = "accounts:settings"


@dataclass(frozen=True)
class Availability:
    status: str  # AVAILABLE, NEEDS_KEY, LOCAL_UNREACHABLE or DISABLED
    message: str = ""
    action_url: str = ""

    @property
    def available(self) -> bool:
        return self.status == AVAILABLE

    @property
    def reason(self) -> str | None:
        return None if self.available else self.status

    @property
    def label(self) -> str:
        return LABELS[self.status]


OK = Availability(AVAILABLE)
LABELS = {
    AVAILABLE: "Available",
    NEEDS_KEY: "Needs an API key",
    LOCAL_UNREACHABLE: "Server not answering",
    DISABLED: "Unavailable",
}


def own_keys_url() -> str:
    try:
        return reverse(OWN_KEYS_URL_NAME)
    except NoReverseMatch:  # the account pages are not mounted (a trimmed deployment)
        return ""


def _disabled(model: AIModel) -> Availability | None:
    if not model.provider.enabled:
        return Availability(DISABLED, f"{model.provider.name} is turned off by an administrator.")
    if not model.is_active:
        return Availability(DISABLED, "This model is turned off by an administrator.")
    if model.status not in (ModelStatus.ACTIVE, ModelStatus.BETA):
        return Availability(DISABLED, f"This model is {model.get_status_display().lower()}.")
    return None


class AvailabilityCheck:
    """Availability of many models for one user, with every lookup done once up front."""

    def __init__(self, models: list[AIModel], *, user: Any = None) -> None:
        providers = {m.provider_id: m.provider for m in models}
        self.own_keys = own_key_provider_ids(user) if any(self._keyed(p) for p in providers.values()) else frozenset()
        self.reach: dict[int, Reachability | None] = reachability(providers.values())

    @staticmethod
    def _keyed(provider: Provider) -> bool:
        return provider.adapter_kind in KEYED_KINDS and not provider.is_custom

    def of(self, model: AIModel) -> Availability:
        if disabled := _disabled(model):
            return disabled
        provider = model.provider
        if self._keyed(provider) and provider.pk not in self.own_keys and not platform_has_key(provider):
            message = f"{provider.name} needs an API key and this server has none. Add your own key to use it."
            return Availability(NEEDS_KEY, message, own_keys_url())
        answer = self.reach.get(provider.pk)
        if answer is not None and not answer.ok:
            return Availability(LOCAL_UNREACHABLE, f"The {provider.name} server is not answering.")
        return OK


def availability_map(models: Iterable[AIModel], *, user: Any = None) -> dict[int, Availability]:
    """{model id: Availability} for `models` (loaded with their provider) as seen by `user`."""
    models = list(models)
    check = AvailabilityCheck(models, user=user)
    return {model.pk: check.of(model) for model in models}


def model_availability(model: AIModel, *, user: Any = None) -> Availability:
    return availability_map([model], user=user)[model.pk]
