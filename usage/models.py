from django.conf import settings
from django.db import models

# The ledger's models live with its writer (usage/ledger/); Django registers models from this module.
from usage.ledger.models import DeadLetter, Door, Generation, GenerationStatus, PendingSettlement  # noqa: F401


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


class DailyRollup(models.Model):
    """One day's figures for one model, so analytics read a few hundred rows instead of the ledger.

    Filled by usage.rollups (a beat task for recent days, create_demo_data and `rollup_usage` for history).
    """

    day = models.DateField()
    model_slug = models.CharField(max_length=200)
    provider = models.ForeignKey("catalog.Provider", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requests = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    tokens = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(max_digits=18, decimal_places=8, default=0)
    # Calls per duration bucket (usage.rollups.latency_bucket): percentiles over any range of days
    # add these up instead of sorting a week of the ledger.
    latency = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "model_slug"], name="unique_rollup_day_model")]
        indexes = [models.Index(fields=["day"])]

    def __str__(self) -> str:
        return f"{self.day} {self.model_slug}"


class UserDay(models.Model):
    """A user made at least one generation that day: who was active over any window of days (the
    analytics page's windows, which end today, read `LastActiveDay` instead: one row per user)."""

    day = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "user"], name="unique_user_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.user_id}"


class LastActiveDay(models.Model):
    """The last day a user made a generation, as of the latest rollup: the users active over any window
    ending today are one index range here (counting them from UserDay grouped 300,000 rows)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+")
    day = models.DateField(db_index=True)

    def __str__(self) -> str:
        return f"{self.user_id} last active {self.day}"


class RollupMark(models.Model):
    """How far an open day's rollups reach: they count the ledger rows created before `through`. Today's
    platform figures add the ledger from `through` on to them, a few minutes of rows instead of the day."""

    day = models.DateField(primary_key=True)
    through = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.day} rolled up to {self.through:%H:%M:%S}"


class UsageDay(models.Model):
    """One user's figures for one model and door on one closed day: what the usage API, the dashboard and the
    quota block read for past days (today and any day not closed yet come from the ledger itself)."""

    day = models.DateField()
    # What a user was billed outlives the ledger rows retention removes: it holds the user as the ledger does.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    model_slug = models.CharField(max_length=200)
    door = models.CharField(max_length=16, blank=True, default="")  # the spend by door reads it
    requests = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    tokens = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(max_digits=18, decimal_places=8, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "day", "model_slug", "door"], name="unique_usage_day_user_model")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.user_id} {self.model_slug}"


class ClosedDay(models.Model):
    """A day whose rollups are final: rolled up after it ended (plus a grace period for late writes).

    A closed day's rollups are never computed again, so retention may delete its ledger rows and the
    figures stay; usage reads take closed days from the rollups and every other day from the ledger.
    """

    day = models.DateField(primary_key=True)
    closed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.day} closed {self.closed_at:%Y-%m-%d %H:%M}"
