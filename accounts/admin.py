from collections.abc import Callable
from typing import Any

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts import roles, services
from accounts.api_keys import api_key_revoke
from accounts.avatars import avatar_remove
from accounts.models import ApiKey, Role, Status, Tier, User


class ApiKeyInlineForm(forms.ModelForm):
    revoke = forms.BooleanField(required=False, help_text="Revoke this key now.")

    class Meta:
        model = ApiKey
        fields: list[str] = []


class ApiKeyInline(admin.TabularInline):
    """A user's keys: prefix, scopes, use and state. Only revoking is possible here; keys are the user's."""

    model = ApiKey
    form = ApiKeyInlineForm
    extra = 0
    can_delete = False
    fields = ["name", "prefix", "scopes", "usage_count", "last_used_at", "expires_at", "revoked_at", "revoke"]
    readonly_fields = ["name", "prefix", "scopes", "usage_count", "last_used_at", "expires_at", "revoked_at"]
    ordering = ["-created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["email", "username", "tier", "role", "status_badge", "created_at", "last_login"]
    list_filter = ["tier", "status", "role"]
    search_fields = ["email", "username"]
    ordering = ["-created_at"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "last_login",
        "suspended_at",
        "token_version",
        "webhooks",
        "avatar_preview",
    ]
    filter_horizontal = ["groups", "user_permissions"]
    actions = [
        "suspend",
        "reactivate",
        "remove_avatars",
        "erase_accounts",
        *[f"set_tier_{tier}" for tier in Tier.values],
    ]
    inlines = [ApiKeyInline]
    fieldsets = [
        (None, {"fields": ["email", "username", "password"]}),
        ("Webhooks", {"fields": ["webhooks"]}),
        ("Plan and access", {"fields": ["tier", "role", "status", "monthly_budget_usd"]}),
        ("Preferences", {"fields": ["theme", "language", "default_model", "notifications"]}),
        (
            "Profile",
            {"fields": ["display_name", "avatar_preview", "bio", "website", "github", "twitter", "public_profile"]},
        ),
        ("Permissions", {"classes": ["collapse"], "fields": ["groups", "user_permissions"]}),
        ("Dates", {"fields": ["created_at", "updated_at", "last_login", "suspended_at", "token_version"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "username", "password1", "password2", "tier"]})]

    @admin.display(description="status", ordering="status")
    def status_badge(self, user: User) -> str:
        css = {"active": "success", "suspended": "warning", "deleted": "danger"}[user.status]
        return format_html('<span class="sb-badge sb-{}">{}</span>', css, user.get_status_display())

    @admin.display(description="avatar")
    def avatar_preview(self, user: User) -> str:
        if not user.avatar:
            return "none"
        return format_html('<img src="{}" alt="" width="64" height="64">', user.avatar_url)

    # A moderation step, so it goes with the right to suspend (moderators have it), not to edit users.
    @admin.action(description="Remove the avatars of selected users", permissions=["suspend"])
    def remove_avatars(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = 0
        for user in queryset.exclude(avatar=""):
            avatar_remove(user=user)
            self.log_change(request, user, "Avatar removed")
            done += 1
        self.message_user(request, f"{done} avatar(s) removed.", messages.SUCCESS)

    @admin.display(description="webhooks")
    def webhooks(self, user: User) -> str:
        endpoints = list(user.webhook_endpoints.all()[:20]) if user.pk else []
        if not endpoints:
            return "none"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> ({})',
            (
                (reverse("admin:webhooks_webhookendpoint_change", args=[e.pk]), e.url, "active" if e.active else "off")
                for e in endpoints
            ),
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not ApiKey:
            return super().save_formset(request, form, formset, change)
        for key_form in formset.forms:
            key = key_form.instance
            if key_form.cleaned_data.get("revoke") and key.pk and key.revoked_at is None:
                api_key_revoke(key=key)
                self.log_change(request, form.instance, f"Revoked API key {key.prefix}")
        # Nothing else on a key is editable here; the change message still expects these lists.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        return None

    def save_model(self, request: HttpRequest, obj: User, form: object, change: bool) -> None:
        # Role and status changes go through the services so staff flags, groups and tokens follow.
        previous = User.objects.filter(pk=obj.pk).values("role", "status").first() if change else None
        super().save_model(request, obj, form, change)
        if previous is None or previous["role"] != obj.role:
            roles.user_set_role(user=obj, role=obj.role)
        if previous and previous["status"] == Status.ACTIVE and obj.status != Status.ACTIVE:
            services.user_suspend(user=obj) if obj.status == Status.SUSPENDED else services.user_end_tokens(user=obj)

    def get_actions(self, request: HttpRequest) -> dict:
        actions = super().get_actions(request)
        if not request.user.has_perm("accounts.suspend_user"):
            actions.pop("suspend", None)
            actions.pop("reactivate", None)
        if not request.user.has_perm("accounts.change_user"):
            for tier in Tier.values:
                actions.pop(f"set_tier_{tier}", None)
        return actions

    @admin.action(description="Suspend selected users (ends sessions, tokens and API keys)", permissions=["suspend"])
    def suspend(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        users = queryset.exclude(pk=request.user.pk).filter(status=Status.ACTIVE)
        done = self._each(request, users, services.user_suspend, "Suspended")
        self.message_user(request, f"{done} user(s) suspended.", messages.SUCCESS)

    @admin.action(description="Reactivate selected users", permissions=["suspend"])
    def reactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        done = self._each(request, queryset.filter(status=Status.SUSPENDED), services.user_reactivate, "Reactivated")
        self.message_user(request, f"{done} user(s) reactivated.", messages.SUCCESS)

    @admin.action(description="Erase selected accounts (personal data goes, usage stays)", permissions=["delete"])
    def erase_accounts(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        users = queryset.exclude(pk=request.user.pk).exclude(status=Status.DELETED)
        done = self._each(request, users, services.user_delete_account, "Account erased")
        self.message_user(request, f"{done} account(s) erased.", messages.SUCCESS)

    def _each(self, request: HttpRequest, users: QuerySet[User], service: Callable[..., object], note: str) -> int:
        """Run an account service on each user, each in the action log; how many there were."""
        done = 0
        for user in users:
            service(user=user)
            self.log_change(request, user, note)
            done += 1
        return done

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[list, dict, set, list]:
        """Users with records kept for good (billed calls, PROTECT) cannot be deleted: the page says so
        and points at erasure, after one index lookup per kind of record; the default collector would
        load and list every one of a user's ledger rows."""
        if kept := _kept_records(objs):
            return [], {}, set(), kept
        return super().get_deleted_objects(objs, request)

    def has_suspend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.suspend_user")


def _kept_records(users: Any) -> list[str]:
    """One line per kind of record that holds these users (PROTECT), when any exists."""
    kept = []
    relations = User._meta.get_fields(include_hidden=True)  # hidden ones too (related_name="+")
    for relation in (r for r in relations if r.auto_created and not r.concrete and (r.one_to_many or r.one_to_one)):
        if relation.on_delete is models.PROTECT:
            rows = relation.related_model._base_manager.filter(**{f"{relation.field.name}__in": users})
            if rows.exists():
                kept.append(
                    f"{relation.related_model._meta.verbose_name_plural.capitalize()}: kept for billing. "
                    "Erase the account instead (the “Erase selected accounts” action): it removes the personal "
                    "data and keeps these, anonymous."
                )
    return kept


def _tier_action(tier: str) -> object:
    def action(modeladmin: UserAdmin, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            user.tier = tier
            user.save(update_fields=["tier", "updated_at"])
            modeladmin.log_change(request, user, f"Tier set to {tier}")
        modeladmin.message_user(request, f"Tier set to {tier} for {queryset.count()} user(s).", messages.SUCCESS)

    action.__name__ = f"set_tier_{tier}"
    return admin.action(description=f"Change tier to {Tier(tier).label}", permissions=["change"])(action)


for _tier in Tier.values:
    setattr(UserAdmin, f"set_tier_{_tier}", _tier_action(_tier))


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """Every admin action, visible to staff; read-only so the record cannot be edited away."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag", "change_message"]
    list_filter = ["action_flag", "content_type"]
    search_fields = ["object_repr", "change_message", "user__email"]
    date_hierarchy = "action_time"
    list_select_related = ["user", "content_type"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class EmailAddressAdmin(AllauthEmailAddressAdmin):
    """allauth's page, with its one action kept in the action log like every other admin action."""

    @admin.action(description="Mark selected email addresses as verified")
    def make_verified(self, request: HttpRequest, queryset: QuerySet[EmailAddress]) -> None:
        unverified = list(queryset.filter(verified=False).values_list("pk", flat=True))
        super().make_verified(request, queryset)
        for address in EmailAddress.objects.filter(pk__in=unverified, verified=True):
            self.log_change(request, address, "Marked verified")


admin.site.unregister(EmailAddress)  # allauth.account comes first in INSTALLED_APPS
admin.site.register(EmailAddress, EmailAddressAdmin)

admin.site.site_header = "Switchboard administration"
admin.site.site_title = "Switchboard admin"
admin.site.index_title = "Run the platform"
__all__ = ["LogEntryAdmin", "Role", "UserAdmin"]
