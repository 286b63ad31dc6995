from django.conf import settings
from django.db import models


class SettingCategory(models.TextChoices):
    GENERAL = "general", "General"
    AI = "ai", "AI"
    SECURITY = "security", "Security"
    PERFORMANCE = "performance", "Performance"


class SettingType(models.TextChoices):
    STRING = "string", "String"
    NUMBER = "number", "Number"
    BOOLEAN = "boolean", "Boolean"
    OBJECT = "object", "Object"
    ARRAY = "array", "Array"


class SystemSetting(models.Model):
    """Platform settings an administrator edits in the admin; read through `usage.settings_store`."""

    key = models.CharField(max_length=100, unique=True)
    value = models.JSONField()
    type = models.CharField(max_length=10, choices=SettingType.choices, default=SettingType.STRING)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=16, choices=SettingCategory.choices, default=SettingCategory.GENERAL)
    is_public = models.BooleanField(default=False, help_text="Exposed at /api/v1/settings/public.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category", "key"]
        indexes = [models.Index(fields=["category"])]

    def __str__(self) -> str:
        return self.key
