"""The arena in the admin: the pool of models, battles (read-only), and votes moderators can void."""

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from arena.models import Battle, BattleTurn, Contestant, PoolEntry, ShortlistEntry, Vote
from arena.services import votes_void


@admin.register(PoolEntry)
class PoolEntryAdmin(admin.ModelAdmin):
    list_display = ["model", "active", "added_at"]
    list_filter = ["active"]
    list_editable = ["active"]
    autocomplete_fields = ["model"]
    search_fields = ["model__slug", "model__display_name"]
    list_select_related = ["model"]


@admin.register(ShortlistEntry)
class ShortlistEntryAdmin(admin.ModelAdmin):
    list_display = ["user", "model", "added_at"]
    list_select_related = ["user", "model"]
    autocomplete_fields = ["model"]
    raw_id_fields = ["user"]


class ContestantInline(admin.TabularInline):
    model = Contestant
    extra = 0
    can_delete = False
    readonly_fields = ["position", "model_slug"]
    fields = ["position", "model_slug"]


class TurnInline(admin.TabularInline):
    model = BattleTurn
    extra = 0
    can_delete = False
    readonly_fields = ["number", "prompt"]
    fields = ["number", "prompt"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Battle)
class BattleAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "category", "status", "length_ratio", "created_at"]
    list_filter = ["status", "category"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    inlines = [ContestantInline, TurnInline]
    readonly_fields = ["user", "category", "source", "status", "prompt_hash", "length_ratio", "created_at"]
    exclude = ["replay_of", "pending_prompts"]


class VoidForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text="Why these votes should stop counting (kept in the log).")


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["battle", "user", "choice", "created_at", "voided_at", "voided_by", "void_reason"]
    list_filter = ["choice", ("voided_at", admin.EmptyFieldListFilter), "battle__category"]
    list_select_related = ["user", "voided_by", "battle"]
    search_fields = ["user__email", "user__username"]
    date_hierarchy = "created_at"
    actions = ["void"]

    def has_void_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("arena.void_vote")

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a vote is voided, never deleted: the record of what was voided stays

    @admin.action(description="Void the selected votes (they stop counting)", permissions=["void"])
    def void(self, request: HttpRequest, queryset: QuerySet[Vote]) -> HttpResponse | None:
        if "apply" in request.POST:
            form = VoidForm(request.POST)
            if form.is_valid():
                done = votes_void(votes=queryset, by=request.user, reason=form.cleaned_data["reason"])
                self.message_user(request, f"{done} vote(s) voided.", messages.SUCCESS)
                return None
        else:
            form = VoidForm()
        context = {
            **self.admin_site.each_context(request),
            "title": "Void votes",
            "form": form,
            "votes": queryset,
            "opts": self.model._meta,
            "action": "void",
        }
        return TemplateResponse(request, "admin/arena/vote/void.html", context)
