"""Conversations and the ledger of generations: one row per model answer, written once."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Index
from django.utils import timezone


class Conversation(models.Model):
    """A thread in the playground, or one multi-model comparison from the stream endpoint."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=200, blank=True)
    system_prompt = models.TextField(blank=True)
    # Totals are rolled up when a turn ends (one update per turn, not per generation).
    generation_count = models.PositiveIntegerField(default=0)
    total_tokens = models.PositiveBigIntegerField(default=0)
    total_cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Declared last: the field's name would shadow the `models` module for the lines after it.
    share_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    share_shows_cost = models.BooleanField(default=False)
    models = models.JSONField(default=list, blank=True, help_text="Catalog slugs compared in this conversation.")

    class Meta:
        ordering = ["-updated_at"]
        indexes = [Index(fields=["owner", "updated_at"])]

    def __str__(self) -> str:
        return self.title or str(self.id)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("playground:conversation", args=[self.pk])

    @property
    def share_url(self) -> str:
        from django.urls import reverse

        return reverse("playground:shared", args=[self.share_id]) if self.share_id else ""

    def share(self, *, show_cost: bool = False) -> None:
        import secrets

        self.share_id = self.share_id or secrets.token_urlsafe(16)
        self.share_shows_cost = show_cost
        self.save(update_fields=["share_id", "share_shows_cost", "updated_at"])

    def unshare(self) -> None:
        self.share_id = None
        self.save(update_fields=["share_id", "updated_at"])


class GenerationStatus(models.TextChoices):
    # STREAMING is for writers that save partial content as it arrives (the refresh-safe playground).
    STREAMING = "streaming", "Streaming"
    SUCCESS = "success", "Success"
    ERROR = "error", "Error"
    TIMEOUT = "timeout", "Timeout"
    CANCELLED = "cancelled", "Cancelled"


class Visibility(models.TextChoices):
    PRIVATE = "private", "Private"
    UNLISTED = "unlisted", "Anyone with the link"
    PUBLIC = "public", "Public"


class Generation(models.Model):
    """One model's answer to one turn. The permanent ledger: usage and cost as charged."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="generations"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations")
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="generations"
    )
    endpoint = models.CharField(max_length=16, default="rest", help_text="rest, openai, stream or playground")
    # What was asked for and what answered (they differ when a fallback answered).
    requested_model = models.CharField(max_length=200)
    model = models.ForeignKey("catalog.AIModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    model_slug = models.CharField(max_length=200)
    provider = models.ForeignKey("catalog.Provider", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    upstream_id = models.CharField(max_length=200, blank=True)

    input_messages = models.JSONField(default=list)
    parameters = models.JSONField(default=dict, blank=True)
    content = models.TextField(blank=True)
    finish_reason = models.CharField(max_length=32, blank=True)

    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    total_tokens = models.PositiveIntegerField(default=0)
    cached_tokens = models.PositiveIntegerField(default=0)
    reasoning_tokens = models.PositiveIntegerField(default=0)
    tokens_estimated = models.BooleanField(default=False)
    cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True, help_text="Null = unpriced.")

    ttft_ms = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=GenerationStatus.choices, default=GenerationStatus.SUCCESS)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)

    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    cache_hit = models.BooleanField(default=False)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PRIVATE)
    share_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    turn = models.PositiveIntegerField(default=0, help_text="Position of the turn in its conversation.")
    # Hidden = kept off public share pages and queued for review; the owner still sees it in their history.
    hidden = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("moderate_generation", "Can flag and hide generations")]
        indexes = [
            models.Index(fields=["conversation", "turn"]),
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["api_key", "created_at"]),
            models.Index(fields=["model", "created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.model_slug} {self.status} {self.created_at:%Y-%m-%d %H:%M}"


class PresetQuerySet(models.QuerySet["Preset"]):
    def visible_to(self, user: object) -> "PresetQuerySet":
        return self.filter(models.Q(user=user) | models.Q(user__isnull=True)).order_by("user_id", "name")


class Preset(models.Model):
    """A named set of parameters. Built-in presets have no owner and are shown to everyone."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    name = models.CharField(max_length=60)
    params = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PresetQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="unique_preset_name_per_user")]

    def __str__(self) -> str:
        return self.name


# --- Moderation: the queue of flagged generations and the rules that fill it (playground/moderation.py).


class FlagSource(models.TextChoices):
    RULE = "rule", "Rule"
    PROVIDER = "provider", "Provider moderation"
    MANUAL = "manual", "Manual"


class FlagState(models.TextChoices):
    OPEN = "open", "Open"
    DISMISSED = "dismissed", "Dismissed"
    ACTIONED = "actioned", "Actioned"
    ESCALATED = "escalated", "Escalated"


class RuleKind(models.TextChoices):
    KEYWORD = "keyword", "Keyword"
    REGEX = "regex", "Regular expression"


class RuleAction(models.TextChoices):
    FLAG = "flag", "Flag for review"
    HIDE = "hide", "Flag and hide"


class ModerationRule(models.Model):
    """An admin-editable check applied to every generation as it is recorded."""

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=RuleKind.choices, default=RuleKind.KEYWORD)
    pattern = models.CharField(max_length=500, help_text="A word or phrase (case-insensitive) or a regular expression.")
    active = models.BooleanField(default=True)
    action = models.CharField(max_length=8, choices=RuleAction.choices, default=RuleAction.FLAG)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Flag(models.Model):
    """One item of the moderation queue: a generation, why it was flagged, and the decision taken."""

    generation = models.ForeignKey(Generation, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=300)
    source = models.CharField(max_length=16, choices=FlagSource.choices, default=FlagSource.MANUAL)
    rule = models.ForeignKey(ModerationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="flags")
    state = models.CharField(max_length=16, choices=FlagState.choices, default=FlagState.OPEN)
    note = models.TextField(blank=True, help_text="Why the decision was taken.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_state_display()}: {self.reason}"

