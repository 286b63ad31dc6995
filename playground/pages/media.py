"""What the Images and Embeddings tabs share: the models a user may pick, and one call per model run
side by side, each ending in a pane (its result, or why it failed) with its cost and time."""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.http import HttpRequest

from catalog.availability import availability_map
from catalog.models import AIModel, ModelStatus
from config.api.exceptions import ApiError
from playground.generation import MAX_MODELS
from playground.generation.inputs import Origin, origin_of
from usage.models import Door

T = TypeVar("T")


@dataclass
class Pane:
    """One model's part of a comparison."""

    model: str
    name: str
    error: str = ""
    cost: Decimal | None = None
    duration_ms: int = 0
    result: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


def models_of_kind(kind: str, user: Any = None) -> list[AIModel]:
    """The models of a kind, each with its `availability` for `user` (what the page says about it)."""
    models = list(
        AIModel.objects.filter(is_active=True, provider__enabled=True, kind=kind)
        .exclude(status=ModelStatus.DEPRECATED)
        .select_related("provider")
        .order_by("display_name")
    )
    available = availability_map(models, user=user)
    for model in models:
        model.availability = available[model.pk]
    return models


def first_pick(models: list[AIModel], wanted: str | None) -> list[str]:
    """What the form starts with: the `?model=` asked for, else the first model that answers for this user,
    so a first visit can press the button at once."""
    if wanted:
        return [wanted]
    return [m.slug for m in models if m.availability.available][:1]


class CompareField(forms.MultipleChoiceField):
    """One to MAX_MODELS models of one kind."""

    def validate(self, value: list[str]) -> None:
        super().validate(value)
        if len(value) > MAX_MODELS:
            raise forms.ValidationError(f"Pick at most {MAX_MODELS} models.")


def model_choices(models: list[AIModel]) -> list[tuple[str, str]]:
    """Each model by name and provider; one this user cannot call yet says so (it is refused by name)."""

    def label(m: AIModel) -> str:
        availability = getattr(m, "availability", None)
        why = f" · {availability.label.lower()}" if availability is not None and not availability.available else ""
        return f"{m.display_name} ({m.provider.name}){why}"

    return [(m.slug, label(m)) for m in models]


def playground_origin(request: HttpRequest, user: Any) -> Origin:
    return origin_of(request, user=user, door=Door.PLAYGROUND)


async def side_by_side(slugs: list[str], names: dict[str, str], call: Callable[[str], Awaitable[Pane]]) -> list[Pane]:
    """Every model's call at once; a refusal or failure is that model's pane, never the page's error."""

    async def one(slug: str) -> Pane:
        try:
            return await call(slug)
        except ApiError as exc:
            return Pane(model=slug, name=names.get(slug, slug), error=exc.message)

    return list(await asyncio.gather(*(one(slug) for slug in slugs)))
