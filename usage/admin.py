import json

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from usage.models import SettingType, SystemSetting

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

    def clean(self) -> dict:
        data = super().clean()
        value, type_ = data.get("value"), data.get("type")
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
