from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from catalog.models import AIModel, Category, Favorite, ModelFallback, Provider, UserProviderKey
from catalog.selectors import catalog_changed


class ProviderForm(forms.ModelForm):
    """The key is write-only: the field is always shown empty, and leaving it empty keeps the stored key."""

    api_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to keep the current key. Empty on a new provider means the environment's key.",
    )
    clear_api_key = forms.BooleanField(required=False, label="Remove the stored key")

    base_url = forms.URLField(
        required=False, assume_scheme="https", help_text="Empty means the environment's default for this kind."
    )

    class Meta:
        model = Provider
        fields = ["slug", "name", "adapter_kind", "base_url", "api_key", "enabled", "is_custom", "notes"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        typed = (data.get("api_key") or "").strip()
        if data.get("clear_api_key"):
            data["api_key"] = ""
        elif not typed and self.instance.pk:
            data["api_key"] = self.instance.api_key  # still the stored value: the form has not touched it yet
        else:
            data["api_key"] = typed
        return data


class CatalogAdmin(admin.ModelAdmin):
    """Every catalog change invalidates cached lookups at once, in every process."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        catalog_changed()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        catalog_changed()


@admin.register(Provider)
class ProviderAdmin(CatalogAdmin):
    form = ProviderForm
    list_display = ["name", "slug", "adapter_kind", "base_url", "key_hint", "enabled", "is_custom"]
    list_filter = ["enabled", "is_custom", "adapter_kind"]
    search_fields = ["name", "slug"]

    @admin.display(description="Key")
    def key_hint(self, obj: Provider) -> str:
        return f"…{obj.api_key[-4:]}" if obj.api_key else "environment"


@admin.register(Category)
class CategoryAdmin(CatalogAdmin):
    list_display = ["name", "slug", "icon", "color", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "slug"]


class FallbackInline(admin.TabularInline):
    model = ModelFallback
    fk_name = "model"
    extra = 1
    autocomplete_fields = ["fallback"]
    ordering = ["position"]


@admin.register(AIModel)
class AIModelAdmin(CatalogAdmin):
    list_display = [
        "display_name",
        "slug",
        "provider",
        "category",
        "modality",
        "status",
        "is_active",
        "featured",
        "input_price_per_1m",
        "output_price_per_1m",
        "price_date",
    ]
    list_filter = ["provider", "status", "category", "modality", "featured", "is_active", "is_free"]
    list_editable = ["status", "is_active", "featured"]
    list_select_related = ["provider", "category"]
    search_fields = ["display_name", "slug", "upstream_id", "developer"]
    inlines = [FallbackInline]
    actions = ["activate", "deactivate"]
    fieldsets = [
        (None, {"fields": ["slug", "display_name", "provider", "upstream_id", "category", "modality", "status"]}),
        ("Visibility", {"fields": ["is_active", "featured"]}),
        ("Description", {"fields": ["description", "long_description", "tags", "capabilities"]}),
        (
            "Pricing (USD; empty means unpriced, never zero)",
            {
                "fields": [
                    "input_price_per_1m",
                    "output_price_per_1m",
                    "cached_input_price_per_1m",
                    "price_per_request",
                    "price_per_video",
                    "price_per_video_second",
                    "currency",
                    "is_free",
                    "price_date",
                    "price_source",
                ]
            },
        ),
        (
            "Limits and parameters",
            {
                "fields": [
                    "context_window",
                    "max_output_tokens",
                    ("temperature_min", "temperature_max", "temperature_default"),
                    ("top_p_min", "top_p_max", "top_p_default"),
                    "max_tokens_default",
                    ("supports_stop", "supports_penalties", "supports_seed"),
                    ("supports_system_prompt", "supports_streaming"),
                ]
            },
        ),
        (
            "About",
            {"fields": ["developer", "license", "version", "release_date", "docs_url", "paper_url"]},
        ),
    ]

    @admin.action(description="Turn on (visible to users)")
    def activate(self, request: HttpRequest, queryset: Any) -> None:
        queryset.update(is_active=True)
        catalog_changed()

    @admin.action(description="Turn off (hide from users)")
    def deactivate(self, request: HttpRequest, queryset: Any) -> None:
        queryset.update(is_active=False)
        catalog_changed()


@admin.register(UserProviderKey)
class UserProviderKeyAdmin(admin.ModelAdmin):
    """Users' own keys are theirs: admins see that one exists (last four), never the key."""

    list_display = ["user", "provider", "masked", "updated_at"]
    list_select_related = ["user", "provider"]
    list_filter = ["provider"]
    search_fields = ["user__email", "user__username"]
    fields = ["user", "provider", "masked", "created_at", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Favorite)
class FavoriteAdmin(admin.ModelAdmin):
    list_display = ["user", "model", "created_at"]
    list_select_related = ["user", "model"]
    raw_id_fields = ["user", "model"]
