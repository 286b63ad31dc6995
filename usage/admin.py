import json

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.admin import UserAdmin as AccountsUserAdmin
from accounts.models import User
from config.money import dollars
from usage import counters
from usage.models import SettingType, SystemSetting
from usage.selectors import usage_summary

_PYTHON_TYPES = {
    SettingType.STRING: str,
    SettingType.NUMBER: (int, float),
    SettingType.BOOLEAN: bool,
    SettingType.OBJECT: dict,
    SettingType.ARRAY: list,
}


class SystemSettingForm(forms.ModelForm):
    class Meta:
        model = SystemSetting
        fields = ["key", "value", "type", "category", "description", "is_public"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # An empty box is how an admin switches a text setting off (the maintenance banner).
        self.fields["value"].required = False
        self.fields["value"].help_text = "JSON. Leave empty to clear a string setting."

    def clean(self) -> dict:
        data = super().clean()
        value, type_ = data.get("value"), data.get("type")
        if value is None and "value" not in self.errors:
            if type_ != SettingType.STRING:
                self.add_error("value", f"A {type_} setting needs a value; only a string setting can be empty.")
                return data
            data["value"] = value = ""
        expected = _PYTHON_TYPES.get(type_)
        if (
            expected
            and value is not None
            and (not isinstance(value, expected) or (type_ == "number" and isinstance(value, bool)))
        ):
            self.add_error("value", f"The value must be JSON of type {type_}, got {json.dumps(value)[:60]}.")
        return data


@admin.register(SystemSetting)
class SystemSettingAdmin(admin.ModelAdmin):
    form = SystemSettingForm
    list_display = ["key", "category", "type", "is_public", "short_value", "updated_by", "updated_at"]
    list_filter = ["category", "type", "is_public"]
    search_fields = ["key", "description"]
    readonly_fields = ["updated_by", "created_at", "updated_at"]

    @admin.display(description="value")
    def short_value(self, setting: SystemSetting) -> str:
        text = json.dumps(setting.value)
        return text if len(text) <= 80 else text[:77] + "..."

    def save_model(self, request: HttpRequest, obj: SystemSetting, form: forms.ModelForm, change: bool) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


class UserAdmin(AccountsUserAdmin):
    """The accounts admin's user page, with what usage knows: this month's figures and a quota reset.
    (Added here, so accounts imports nothing from usage.)"""

    readonly_fields = [*AccountsUserAdmin.readonly_fields, "usage_this_month"]
    fieldsets = [
        AccountsUserAdmin.fieldsets[0],
        ("Usage this month", {"fields": ["usage_this_month"]}),
        *AccountsUserAdmin.fieldsets[1:],
    ]
    actions = [*AccountsUserAdmin.actions, "reset_quotas"]

    @admin.display(description="usage")
    def usage_this_month(self, user: User) -> str:
        # From the Redis day aggregates, like the user's own usage page: no scan of the ledger.
        if not user.pk:
            return "–"
        today = timezone.now().date()
        summary = usage_summary(user=user, start=today.replace(day=1), end=today, model=None)
        url = reverse("admin:usage_generation_changelist") + f"?user__id__exact={user.pk}"
        return format_html(
            '{} requests · {} tokens · {} &nbsp; <a href="{}">Their generations</a>',
            summary["total_requests"],
            summary["total_tokens"],
            dollars(summary["total_cost"]),
            url,
        )

    @admin.action(description="Reset quotas (the request counts of their current windows)", permissions=["change"])
    def reset_quotas(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            counters.quota_reset(user_id=user.pk)
            self.log_change(request, user, "Quotas reset")
        self.message_user(request, f"Quotas reset for {len(queryset)} user(s).", messages.SUCCESS)


admin.site.unregister(User)
admin.site.register(User, UserAdmin)

# The admin's home page links the analytics page (usage.admin_analytics), which every staff member,
# moderators included, may read: it shows platform totals, nobody's personal data.
admin.site.index_template = "admin/switchboard_index.html"
