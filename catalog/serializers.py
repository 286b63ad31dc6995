"""Input and output shapes of the catalog API. Money leaves as decimal strings, never floats (except
in /api/v1/ai/models, whose numbers the product spec fixes)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from catalog.models import AIModel, Category, Modality
from catalog.selectors import SORTS, ModelFilters


class ModelListParams(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, default=1)
    limit = serializers.IntegerField(min_value=1, max_value=100, default=20)
    search = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    provider = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    category = serializers.SlugField(required=False, allow_blank=True, default="")
    modality = serializers.ChoiceField(choices=Modality.choices, required=False, allow_blank=True, default="")
    capability = serializers.CharField(required=False, allow_blank=True, max_length=50, default="")
    min_price = serializers.DecimalField(max_digits=14, decimal_places=6, min_value=0, required=False, default=None)
    max_price = serializers.DecimalField(max_digits=14, decimal_places=6, min_value=0, required=False, default=None)
    free = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(choices=SORTS, required=False, default="name")
    order = serializers.ChoiceField(choices=("asc", "desc"), required=False, allow_blank=True, default="")

    def filters(self) -> ModelFilters:
        d = self.validated_data
        return ModelFilters(
            search=d["search"].strip(),
            providers=tuple(p for p in d["provider"].split(",") if p),
            category=d["category"],
            modality=d["modality"],
            capability=d["capability"],
            min_price=d["min_price"],
            max_price=d["max_price"],
            free=d["free"],
            sort=d["sort"],
            order=d["order"],
        )


def pricing_of(model: AIModel) -> dict[str, Any]:
    return {
        "currency": model.currency,
        "input_per_1m": _money(model.input_price_per_1m),
        "output_per_1m": _money(model.output_price_per_1m),
        "cached_input_per_1m": _money(model.cached_input_price_per_1m),
        "per_request": _money(model.price_per_request),
        "per_video": _money(model.price_per_video),
        "per_video_second": _money(model.price_per_video_second),
        "is_free": model.is_free,
        "unpriced": model.input_price_per_1m is None and model.price_per_video_second is None,
        "price_date": model.price_date.isoformat() if model.price_date else None,
        "source": model.price_source,
    }


def _money(value: Any) -> str | None:
    return None if value is None else f"{value.normalize():f}"


class CategorySerializer(serializers.ModelSerializer):
    model_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "description", "icon", "color", "sort_order", "model_count"]


class AIModelSerializer(serializers.ModelSerializer):
    provider = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    pricing = serializers.SerializerMethodField()
    parameters = serializers.SerializerMethodField()
    uses_7d = serializers.IntegerField(read_only=True, default=None)

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
            "modality",
            "status",
            "tags",
            "capabilities",
            "context_window",
            "max_output_tokens",
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

    def get_parameters(self, obj: AIModel) -> dict[str, Any]:
        return parameters_of(obj)


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


_ENDPOINTS = {"chat": ["chat", "generate", "stream"], "text": ["generate"], "video": ["video"]}


def spec_model(model: AIModel) -> dict[str, Any]:
    """One item of GET /api/v1/ai/models, in the product spec's shape plus provider/modality/status/pricing."""
    per_1k = None if model.input_price_per_1m is None else float(model.input_price_per_1m / 1000)
    return {
        "id": model.slug,
        "name": model.display_name,
        "description": model.description,
        "max_tokens": model.max_output_tokens or model.context_window,
        "supported_endpoints": _ENDPOINTS.get(model.modality, [model.modality]),
        "pricing": {"per_1k_tokens": per_1k, **pricing_of(model)},
        "provider": model.provider.slug,
        "modality": model.modality,
        "status": model.status,
    }
