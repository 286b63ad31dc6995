"""Input and output shapes of the catalog API. Money leaves as decimal strings, never floats (except
in /api/v1/ai/models, whose numbers the product spec fixes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.availability import DISABLED, LOCAL_UNREACHABLE, NEEDS_KEY, Availability, model_availability
from catalog.models import AIModel, Capability, Category, ModelKind
from catalog.selectors import SORTS, ModelFilters
from catalog.validators import image_price
from config.api.fields import QuerySerializer
from config.api.pagination import MAX_PAGE

UNAVAILABLE_REASONS = [NEEDS_KEY, LOCAL_UNREACHABLE, DISABLED]


@extend_schema_field({"type": "string", "pattern": r"^[0-9]{1,8}(\.[0-9]{1,6})?$"})
class PriceField(serializers.DecimalField):
    """A price bound in dollars per million tokens: not negative, up to 6 decimal places (the schema
    says so; drf-spectacular leaves a decimal's minimum out)."""


class ModelListParams(QuerySerializer):
    page = serializers.IntegerField(min_value=1, max_value=MAX_PAGE, default=1)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
    search = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    provider = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    category = serializers.SlugField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=ModelKind.choices, required=False, allow_blank=True, default="")
    capability = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        default="",
        help_text=f"A capability ({', '.join(Capability.values)}) or a discovery tag such as code.",
    )
    min_price = PriceField(max_digits=14, decimal_places=6, min_value=0, required=False, default=None)
    max_price = PriceField(max_digits=14, decimal_places=6, min_value=0, required=False, default=None)
    free = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(choices=SORTS, required=False, default="name")
    order = serializers.ChoiceField(choices=("asc", "desc"), required=False, allow_blank=True, default="")

    def filters(self) -> ModelFilters:
        d = self.validated_data
        return ModelFilters(
            search=d["search"].strip(),
            providers=tuple(p for p in d["provider"].split(",") if p),
            category=d["category"],
            kind=d["kind"],
            capability=d["capability"],
            min_price=d["min_price"],
            max_price=d["max_price"],
            free=d["free"],
            sort=d["sort"],
            order=d["order"],
        )


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def image_price_table(model: AIModel) -> dict[str, dict[str, str]] | None:
    """The per-image prices as {size: {quality: "0.04"}}, or None when the model has none."""
    table = model.image_prices or {}
    return {size: {q: _money(image_price(p)) for q, p in row.items()} for size, row in table.items()} or None


def pricing_of(model: AIModel) -> dict[str, Any]:
    """Every price the model has, in the units its kind is priced in (`unit` names the headline one)."""
    return {
        "unit": model.price_unit,
        "currency": model.currency,
        "input_per_1m": _money(model.input_price_per_1m),
        "output_per_1m": _money(model.output_price_per_1m),
        "cached_input_per_1m": _money(model.cached_input_price_per_1m),
        "per_request": _money(model.price_per_request),
        "per_image": image_price_table(model),
        "image_output_per_1m": _money(model.image_output_price_per_1m),
        "per_video": _money(model.price_per_video),
        "per_video_second": _money(model.price_per_video_second),
        "is_free": model.is_free,
        "unpriced": not model.is_priced,
        "price_date": model.price_date.isoformat() if model.price_date else None,
        "source": model.price_source,
    }


def supports_of(model: AIModel) -> dict[str, bool]:
    """Each capability by the name the gateway refuses it by; unknown counts as not supported."""
    supported = model.supported_capabilities()
    return {name: name in supported for name in Capability.values}


class CategorySerializer(serializers.ModelSerializer):
    model_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "description", "icon", "color", "sort_order", "model_count"]


class AIModelSerializer(serializers.ModelSerializer):
    """A model as the catalog shows it. Pass {"availability": {model id: Availability}} in the context to
    say, for the requesting user, whether it can be called now and why not."""

    provider = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    pricing = serializers.SerializerMethodField()
    supports = serializers.SerializerMethodField()
    parameters = serializers.SerializerMethodField()
    available = serializers.SerializerMethodField()
    unavailable_reason = serializers.SerializerMethodField()
    unavailable_message = serializers.SerializerMethodField()
    uses_7d = serializers.IntegerField(read_only=True, default=None, allow_null=True)

    class Meta:
        model = AIModel
        fields = [
            "id",
            "slug",
            "display_name",
            "description",
            "provider",
            "upstream_id",
            "category",
            "kind",
            "status",
            "available",
            "unavailable_reason",
            "unavailable_message",
            "tags",
            "capabilities",
            "supports",
            "context_window",
            "max_output_tokens",
            "embedding_dimensions",
            "pricing",
            "parameters",
            "featured",
            "developer",
            "license",
            "release_date",
            "uses_7d",
        ]

    def get_provider(self, obj: AIModel) -> dict[str, str]:
        return {"slug": obj.provider.slug, "name": obj.provider.name}

    def get_category(self, obj: AIModel) -> dict[str, str] | None:
        return {"slug": obj.category.slug, "name": obj.category.name} if obj.category else None

    def get_pricing(self, obj: AIModel) -> dict[str, Any]:
        return pricing_of(obj)

    @extend_schema_field({"type": "object", "additionalProperties": {"type": "boolean"}})
    def get_supports(self, obj: AIModel) -> dict[str, bool]:
        return supports_of(obj)

    def get_parameters(self, obj: AIModel) -> dict[str, Any]:
        return parameters_of(obj)

    def _availability(self, obj: AIModel) -> Availability:
        known = self.context.get("availability") or {}
        if obj.pk not in known:
            request = self.context.get("request")
            known[obj.pk] = model_availability(obj, user=getattr(request, "user", None))
        return known[obj.pk]

    def get_available(self, obj: AIModel) -> bool:
        return self._availability(obj).available

    @extend_schema_field(serializers.ChoiceField(choices=UNAVAILABLE_REASONS, allow_null=True))
    def get_unavailable_reason(self, obj: AIModel) -> str | None:
        return self._availability(obj).reason

    def get_unavailable_message(self, obj: AIModel) -> str:
        return self._availability(obj).message


def parameters_of(model: AIModel) -> dict[str, Any]:
    def rng(low: Any, high: Any, default: Any) -> dict[str, float]:
        return {"min": float(low), "max": float(high), "default": float(default)}

    return {
        "temperature": rng(model.temperature_min, model.temperature_max, model.temperature_default),
        "top_p": rng(model.top_p_min, model.top_p_max, model.top_p_default),
        "max_tokens": {"min": 1, "max": model.max_output_tokens, "default": model.max_tokens_default},
        "supports_stop": model.supports_stop,
        "supports_penalties": model.supports_penalties,
        "supports_seed": model.supports_seed,
        "supports_system_prompt": model.supports_system_prompt,
        "supports_streaming": model.supports_streaming,
    }


class AIModelDetailSerializer(AIModelSerializer):
    fallbacks = serializers.SerializerMethodField()
    long_description = serializers.CharField()

    class Meta(AIModelSerializer.Meta):
        fields = [*AIModelSerializer.Meta.fields, "long_description", "docs_url", "paper_url", "version", "fallbacks"]

    def get_fallbacks(self, obj: AIModel) -> list[str]:
        return [m.slug for m in obj.ordered_fallbacks()]


_ENDPOINTS = {
    ModelKind.CHAT: ["chat", "generate", "stream"],
    ModelKind.EMBEDDING: ["embeddings"],
    ModelKind.IMAGE: ["images"],
    ModelKind.VIDEO: ["video"],
}


def spec_model(model: AIModel, aliases: list[str] | None = None) -> dict[str, Any]:
    """One item of GET /api/v1/ai/models, in the product spec's shape plus provider/kind/status/pricing."""
    per_token = model.kind in (ModelKind.CHAT, ModelKind.EMBEDDING) and model.input_price_per_1m is not None
    per_1k = float(model.input_price_per_1m / 1000) if per_token else None
    return {
        "id": model.slug,
        "name": model.display_name,
        "description": model.description,
        "max_tokens": model.max_output_tokens or model.context_window,
        "supported_endpoints": _ENDPOINTS.get(model.kind, [model.kind]),
        "pricing": {"per_1k_tokens": per_1k, **pricing_of(model)},
        "provider": model.provider.slug,
        "kind": model.kind,
        "status": model.status,
        "aliases": aliases or [],
        "supports": supports_of(model),
    }
