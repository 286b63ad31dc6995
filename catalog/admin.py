from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path

from catalog.imports import models_import
from catalog.models import (
    AIModel,
    Category,
    Favorite,
    ModelFallback,
    ModelKind,
    ModelPrice,
    ModelStatus,
    Provider,
    UserProviderKey,
)
from catalog.prices import model_price_record_change, stored_price_snapshot
from catalog.selectors import catalog_changed
from catalog.services import provider_config_for
from providers.base import ProviderConfig, ProviderError
from providers.http import async_client, timeout_for
from providers.registry import get_adapter

# "Test connection" must answer while the admin waits: short timeouts, no retries.
PROBE_TIMEOUTS = {"connect_timeout": 3.0, "read_timeout": 8.0, "total_timeout": 10.0, "max_retries": 0}


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
        fields = [
            "slug",
            "name",
            "adapter_kind",
            "base_url",
            "api_key",
            "enabled",
            "is_custom",
            "default_model",
            "notes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only this provider's own chat models can be what its name stands for.
        own = AIModel.objects.filter(provider_id=self.instance.pk, kind=ModelKind.CHAT) if self.instance.pk else None
        self.fields["default_model"].queryset = own if own is not None else AIModel.objects.none()

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
    """Every catalog change invalidates cached lookups at once, in every process, and every bulk action is
    written to the admin's action log like a single edit is."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def log_bulk(self, request: HttpRequest, rows: list[Any], message: str, flag: int = CHANGE) -> None:
        if rows:
            LogEntry.objects.log_actions(
                user_id=request.user.pk, queryset=rows, action_flag=flag, change_message=message
            )

    def bulk_update(self, request: HttpRequest, queryset: QuerySet[Any], message: str, **changes: Any) -> None:
        rows = list(queryset)
        queryset.update(**changes)
        self.log_bulk(request, rows, message)
        catalog_changed()
        self.message_user(request, f"{message}: {len(rows)} row(s).", messages.SUCCESS)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        catalog_changed()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        catalog_changed()


@admin.register(Provider)
class ProviderAdmin(CatalogAdmin):
    form = ProviderForm
    list_display = ["name", "slug", "adapter_kind", "base_url", "key_hint", "default_model", "enabled", "is_custom"]
    list_select_related = ["default_model"]
    list_filter = ["enabled", "is_custom", "adapter_kind"]
    search_fields = ["name", "slug"]

    actions = ["test_connection", "enable", "disable"]

    @admin.display(description="Key")
    def key_hint(self, obj: Provider) -> str:
        return f"…{obj.api_key[-4:]}" if obj.api_key else "environment"

    @admin.action(description="Test connection (list the provider's models)", permissions=["view"])
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Provider]) -> None:
        for provider in queryset:
            ok, message = provider_probe(provider)
            self.log_bulk(request, [provider], f"Tested the connection: {message}")
            self.message_user(request, f"{provider.name}: {message}", messages.SUCCESS if ok else messages.ERROR)

    @admin.action(description="Enable", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[Provider]) -> None:
        self.bulk_update(request, queryset, "Enabled (bulk action)", enabled=True)

    @admin.action(description="Disable (its models stop answering)", permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[Provider]) -> None:
        self.bulk_update(request, queryset, "Disabled (bulk action)", enabled=False)


async def _list_models(config: ProviderConfig) -> int:
    # A client of our own: the shared one belongs to an event loop that ends with this call.
    timeout = timeout_for(config.connect_timeout, config.read_timeout)
    async with async_client(allow_private=config.allow_private, timeout=timeout) as client:
        found = await asyncio.wait_for(get_adapter(config, client).list_models(), config.total_timeout)
        return len(found)


def provider_probe(provider: Provider) -> tuple[bool, str]:
    """Whether the provider answers with the configured URL and key, and what it said."""
    config = dataclasses.replace(provider_config_for(provider=provider), **PROBE_TIMEOUTS)
    try:
        count = asyncio.run(_list_models(config))
    except ProviderError as exc:
        return False, f"failed ({exc.kind}): {exc}"
    except (TimeoutError, OSError, ValueError) as exc:
        return False, f"failed: {exc or type(exc).__name__}"
    return True, f"connected, {count} model(s) listed."


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


class PriceHistoryInline(admin.TabularInline):
    """Earlier prices with their dates. Past generations keep the cost stored on them when recorded."""

    model = ModelPrice
    fk_name = "model"
    extra = 0
    can_delete = False
    fields = [
        "valid_from",
        "valid_to",
        "input_price_per_1m",
        "output_price_per_1m",
        "cached_input_price_per_1m",
        "price_per_request",
        "image_prices",
        "image_output_price_per_1m",
        "price_per_video_second",
        "currency",
        "source",
        "changed_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AIModel)
class AIModelAdmin(CatalogAdmin):
    list_display = [
        "display_name",
        "slug",
        "provider",
        "category",
        "kind",
        "status",
        "is_active",
        "featured",
        "input_price_per_1m",
        "output_price_per_1m",
        "price_date",
    ]
    list_filter = ["provider", "status", "category", "kind", "featured", "is_active", "is_free"]
    list_editable = ["status", "is_active", "featured"]
    list_select_related = ["provider", "category"]
    search_fields = ["display_name", "slug", "upstream_id", "developer"]
    inlines = [FallbackInline, PriceHistoryInline]
    actions = ["activate", "deactivate", "deprecate", "feature", "unfeature"]
    change_list_template = "admin/catalog/aimodel/change_list.html"
    fieldsets = [
        (None, {"fields": ["slug", "display_name", "provider", "upstream_id", "category", "kind", "status"]}),
        ("Visibility", {"fields": ["is_active", "featured"]}),
        ("Description", {"fields": ["description", "long_description", "tags", "capabilities"]}),
        (
            "What it takes (unknown counts as no: a request that needs it is refused)",
            {
                "fields": [
                    ("supports_tools", "supports_vision", "supports_json_mode", "supports_json_schema"),
                    ("supports_logprobs", "supports_reasoning_effort", "supports_n"),
                    ("supports_dimensions", "embedding_dimensions"),
                ]
            },
        ),
        (
            "Pricing (USD; empty means unpriced, never zero)",
            {
                "fields": [
                    "input_price_per_1m",
                    "output_price_per_1m",
                    "cached_input_price_per_1m",
                    "price_per_request",
                    "image_prices",
                    "image_output_price_per_1m",
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
        self.bulk_update(request, queryset, "Turned on (bulk action)", is_active=True)

    @admin.action(description="Turn off (hide from users)")
    def deactivate(self, request: HttpRequest, queryset: Any) -> None:
        self.bulk_update(request, queryset, "Turned off (bulk action)", is_active=False)

    @admin.action(description="Mark deprecated")
    def deprecate(self, request: HttpRequest, queryset: Any) -> None:
        self.bulk_update(request, queryset, "Marked deprecated (bulk action)", status=ModelStatus.DEPRECATED)

    @admin.action(description="Feature")
    def feature(self, request: HttpRequest, queryset: Any) -> None:
        self.bulk_update(request, queryset, "Featured (bulk action)", featured=True)

    @admin.action(description="Stop featuring")
    def unfeature(self, request: HttpRequest, queryset: Any) -> None:
        self.bulk_update(request, queryset, "Stopped featuring (bulk action)", featured=False)

    def save_model(self, request: HttpRequest, obj: AIModel, form: Any, change: bool) -> None:
        # The old price is read before saving so a change keeps it as history.
        before = stored_price_snapshot(obj.pk) if change else None
        super().save_model(request, obj, form, change)
        model_price_record_change(model=obj, before=before, by=request.user)

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="catalog_aimodel_import"), *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a JSON array or a CSV; every row is checked and either all are written or none."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        report = None
        if request.method == "POST" and request.FILES.get("file"):
            upload = request.FILES["file"]
            report = models_import(raw=upload.read(), filename=upload.name, by=request.user)
            self.log_bulk(request, report.created_models, f"Added by import of {upload.name}", ADDITION)
            self.log_bulk(request, report.updated_models, f"Changed by import of {upload.name}")
            if report.ok:
                self.message_user(
                    request, f"Imported: {report.created} created, {report.updated} updated.", messages.SUCCESS
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Import AI models",
            "report": report,
        }
        return TemplateResponse(request, "admin/catalog/aimodel/import.html", context)


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
