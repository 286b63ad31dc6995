"""The ledger and the moderation queue in the admin.

Generations are read-only for everyone (they are what was charged); moderators flag and hide them
through actions guarded by `usage.moderate_generation`, and decide flags with a note.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join

from playground.models import Flag, FlagState, GeneratedImage, ModerationRule
from playground.moderation import flags, rules
from usage.models import Generation

MODERATE = "usage.moderate_generation"


class FlagInline(admin.TabularInline):
    model = Flag
    fk_name = "generation"
    extra = 0
    fields = ["created_at", "source", "reason", "state", "note", "decided_by", "decided_at"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ["css/admin-ledger.css"]}

    list_display = ["created_at", "user", "model_slug", "provider", "status", "total_tokens", "cost", "hidden"]
    list_filter = ["status", "hidden", "provider", "model", "door", ("created_at", admin.DateFieldListFilter)]
    list_select_related = ["user", "provider"]
    search_fields = ["=id", "user__email", "user__username", "model_slug"]
    # Counting a million rows on every page view is what makes ledger admin pages slow.
    show_full_result_count = False
    list_per_page = 50
    inlines = [FlagInline]
    actions = ["flag", "hide", "unhide"]
    fieldsets = [
        (None, {"fields": ["id", "created_at", "user", "api_key", "door", "conversation", "hidden"]}),
        ("Model", {"fields": ["requested_model", "model_slug", "provider", "upstream_id", "parameters_pretty"]}),
        ("Input and output", {"fields": ["input_pretty", "content", "pictures", "finish_reason"]}),
        (
            "Usage",
            {
                "fields": [
                    ("prompt_tokens", "completion_tokens", "total_tokens"),
                    ("cached_tokens", "reasoning_tokens", "tokens_estimated"),
                    "cost",
                    ("ttft_ms", "duration_ms"),
                    ("status", "error_code"),
                    "error_message",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f for group in self.fieldsets for f in _flat(group[1]["fields"])]

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # Links from a user's admin page filter by user without listing every user in a sidebar.
        return lookup in ("user__id__exact", "flags__state") or super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A billed call leaves the ledger only by retention (prune_generations, after its day is rolled
        # up and closed): a superuser's delete would take money out of every usage figure.
        return False

    def has_moderate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MODERATE)

    @admin.display(description="input")
    def input_pretty(self, obj: Generation) -> str:
        return format_html('<pre class="sb-text-block">{}</pre>', json.dumps(obj.input_messages, indent=2))

    @admin.display(description="pictures")
    def pictures(self, obj: Generation) -> str:
        """What an image call drew, shown to staff whether or not the generation is hidden."""
        images = GeneratedImage.objects.filter(generation_id=obj.pk).only("id", "prompt")
        links = ((reverse("admin:usage_generation_picture", args=[i.pk]), i.prompt[:120]) for i in images)
        return format_html_join("", '<a href="{0}"><img src="{0}" alt="{1}" width="160"></a> ', links) or "-"

    def get_urls(self) -> list[URLPattern]:
        picture = path("picture/<uuid:image_id>/", self.admin_site.admin_view(self.picture_view),
                       name="usage_generation_picture")  # fmt: skip
        return [picture, *super().get_urls()]

    def picture_view(self, request: HttpRequest, image_id: Any) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        from playground.doors.images import picture_response

        return picture_response(get_object_or_404(GeneratedImage, pk=image_id), download=False)

    @admin.display(description="parameters")
    def parameters_pretty(self, obj: Generation) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.parameters, indent=2))

    @admin.action(description="Flag for review", permissions=["moderate"])
    def flag(self, request: HttpRequest, queryset: QuerySet[Generation]) -> None:
        for generation in queryset:
            flags.generation_flag(generation=generation, by=request.user)
            self.log_change(request, generation, "Flagged")
        self.message_user(request, f"{len(queryset)} generation(s) flagged for review.", messages.SUCCESS)

    @admin.action(description="Hide (off public pages) and flag", permissions=["moderate"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Generation]) -> None:
        for generation in queryset:
            flags.generation_flag(
                generation=generation, by=request.user, reason="Hidden by a moderator", hide=True
            )
            self.log_change(request, generation, "Hidden")
        self.message_user(request, f"{len(queryset)} generation(s) hidden.", messages.SUCCESS)

    @admin.action(description="Un-hide", permissions=["moderate"])
    def unhide(self, request: HttpRequest, queryset: QuerySet[Generation]) -> None:
        for generation in queryset.filter(hidden=True):
            flags.generation_set_hidden(generation=generation, hidden=False)
            self.log_change(request, generation, "Un-hidden")
        self.message_user(request, "Un-hidden.", messages.SUCCESS)


def _flat(fields: list[Any]) -> list[str]:
    return [name for item in fields for name in (item if isinstance(item, tuple) else (item,))]


class FlagDecisionForm(forms.ModelForm):
    class Meta:
        model = Flag
        fields = ["state", "note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("state") == FlagState.OPEN and self.instance.state != FlagState.OPEN:
            raise forms.ValidationError("A decided flag cannot be re-opened; flag the generation again.")
        return data


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ["css/admin-ledger.css"]}

    """The moderation queue: open items first; each decision carries a note."""

    form = FlagDecisionForm
    list_display = ["created_at", "generation_link", "source", "reason", "state", "decided_by", "decided_at"]
    list_filter = ["state", "source", "rule"]
    list_select_related = ["generation", "decided_by"]
    search_fields = ["reason", "note", "generation__user__email"]
    readonly_fields = ["generation_link", "excerpt", "source", "rule", "reason", "created_at", "decided_by"]
    fields = ["generation_link", "excerpt", "source", "rule", "reason", "created_at", "state", "note", "decided_by"]
    actions = ["dismiss", "mark_actioned", "escalate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Flag]:
        return super().get_queryset(request).order_by("-created_at")

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> Any:
        # The queue opens on what still needs a decision.
        if not request.GET and request.method == "GET":
            request.GET = request.GET.copy()
            request.GET["state__exact"] = FlagState.OPEN
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Flag, form: Any, change: bool) -> None:
        if "state" in form.changed_data and obj.state != FlagState.OPEN:
            flags.flag_decide(flag=obj, state=obj.state, note=obj.note, by=request.user)
        else:
            obj.save(update_fields=["note"])

    @admin.display(description="generation")
    def generation_link(self, obj: Flag) -> str:
        from django.urls import reverse

        url = reverse("admin:usage_generation_change", args=[obj.generation_id])
        return format_html('<a href="{}">{}</a>', url, obj.generation)

    @admin.display(description="answer")
    def excerpt(self, obj: Flag) -> str:
        return format_html('<pre class="sb-text-block">{}</pre>', obj.generation.content[:2000])

    def _decide(self, request: HttpRequest, queryset: QuerySet[Flag], state: str) -> None:
        for flag in queryset.select_related("generation"):
            flags.flag_decide(flag=flag, state=state, by=request.user, note=flag.note)
            self.log_change(request, flag, f"Decided: {state}")
        self.message_user(request, f"{len(queryset)} item(s) {state}.", messages.SUCCESS)

    @admin.action(description="Dismiss", permissions=["change"])
    def dismiss(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._decide(request, queryset, FlagState.DISMISSED)

    @admin.action(description="Action (hide the generation)", permissions=["change"])
    def mark_actioned(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._decide(request, queryset, FlagState.ACTIONED)

    @admin.action(description="Escalate to an administrator", permissions=["change"])
    def escalate(self, request: HttpRequest, queryset: QuerySet[Flag]) -> None:
        self._decide(request, queryset, FlagState.ESCALATED)


class ModerationRuleForm(forms.ModelForm):
    class Meta:
        model = ModerationRule
        fields = ["name", "kind", "pattern", "action", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        try:
            rules.compile_pattern(data.get("kind", ""), data.get("pattern", ""))
        except Exception as exc:  # re.error, reported against the field the admin typed
            self.add_error("pattern", f"Not a valid regular expression: {exc}")
        return data


@admin.register(ModerationRule)
class ModerationRuleAdmin(admin.ModelAdmin):
    """Saving or deleting a rule drops the shared rule cache, so every process applies it next check."""

    form = ModerationRuleForm
    list_display = ["name", "kind", "pattern", "action", "active", "updated_at"]
    list_filter = ["active", "kind", "action"]
    list_editable = ["active"]
    search_fields = ["name", "pattern"]
    actions = ["enable", "disable"]

    def save_model(self, request: HttpRequest, obj: ModerationRule, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        rules.rules_changed()

    def delete_model(self, request: HttpRequest, obj: ModerationRule) -> None:
        super().delete_model(request, obj)
        rules.rules_changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ModerationRule]) -> None:
        super().delete_queryset(request, queryset)
        rules.rules_changed()

    @admin.action(description="Enable", permissions=["change"])
    def enable(self, request: HttpRequest, queryset: QuerySet[ModerationRule]) -> None:
        self._switch(request, queryset, active=True)

    @admin.action(description="Disable", permissions=["change"])
    def disable(self, request: HttpRequest, queryset: QuerySet[ModerationRule]) -> None:
        self._switch(request, queryset, active=False)

    def _switch(self, request: HttpRequest, queryset: QuerySet[ModerationRule], *, active: bool) -> None:
        chosen = list(queryset)
        queryset.update(active=active)
        for rule in chosen:
            self.log_change(request, rule, "Enabled (bulk action)" if active else "Disabled (bulk action)")
        rules.rules_changed()
