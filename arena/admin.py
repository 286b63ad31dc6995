"""The arena in the admin: the pool of models, battles (read-only), and votes moderators can void."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from arena.models import Battle, BattleTurn, Contestant, PoolEntry, ShortlistEntry, Vote
from arena.services import model_promote_default, model_promote_fallback, votes_void
from catalog.models import AIModel, ModelKind
from config.api.exceptions import ApiError


class PromoteForm(forms.Form):
    DEFAULT, FALLBACK = "default", "fallback"
    model = forms.ModelChoiceField(
        queryset=AIModel.objects.filter(kind=ModelKind.CHAT), to_field_name="slug", help_text="The winner."
    )
    action = forms.ChoiceField(
        choices=[
            (DEFAULT, "Make it the platform's default model"),
            (FALLBACK, "Put it first in a model's fallback chain"),
        ],
        widget=forms.RadioSelect,
        initial=DEFAULT,
    )
    target = forms.ModelChoiceField(
        queryset=AIModel.objects.filter(kind=ModelKind.CHAT),
        to_field_name="slug",
        required=False,
        help_text="For the fallback chain: the model whose chain it heads.",
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == self.FALLBACK and not data.get("target"):
            self.add_error("target", "Pick the model whose fallback chain it should head.")
        return data


@admin.register(PoolEntry)
class PoolEntryAdmin(admin.ModelAdmin):
    list_display = ["model", "active", "added_at"]
    list_filter = ["active"]
    list_editable = ["active"]
    autocomplete_fields = ["model"]
    search_fields = ["model__slug", "model__display_name"]
    list_select_related = ["model"]

    def get_urls(self) -> list[URLPattern]:
        promote = path("promote/", self.admin_site.admin_view(self.promote_view), name="arena-promote")
        return [promote, *super().get_urls()]

    def promote_view(self, request: HttpRequest) -> HttpResponse:
        """From the leaderboard: the winner becomes the default model, or heads a fallback chain (logged)."""
        if not request.user.has_perm("catalog.change_aimodel"):
            raise PermissionDenied
        form = PromoteForm(request.POST or None, initial={"model": request.GET.get("model")})
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                if data["action"] == PromoteForm.DEFAULT:
                    model_promote_default(model=data["model"], by=request.user)
                    done = f"{data['model'].slug} is now the default model."
                else:
                    model_promote_fallback(model=data["model"], target=data["target"], by=request.user)
                    done = f"{data['model'].slug} now heads {data['target'].slug}'s fallback chain."
            except ApiError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, done, messages.SUCCESS)
                return HttpResponseRedirect(reverse("arena:leaderboard"))
        context = {**self.admin_site.each_context(request), "title": "Promote a model", "form": form}
        return TemplateResponse(request, "admin/arena/promote.html", context)


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
