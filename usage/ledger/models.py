"""The ledger: one Generation row per model answer, written once, never deleted by a user action."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class GenerationStatus(models.TextChoices):
    SUCCESS = "success", "Success"
    ERROR = "error", "Error"
    TIMEOUT = "timeout", "Timeout"
    CANCELLED = "cancelled", "Cancelled"


class Door(models.TextChoices):
    """Where a call came in: each door parses its own wire format into the one generation path."""

    REST = "rest", "REST API"
    STREAM = "stream", "REST event stream"
    OPENAI = "openai", "OpenAI-compatible API"
    RESPONSES = "responses", "OpenAI Responses API"
    ANTHROPIC = "anthropic", "Anthropic Messages API"
    PLAYGROUND = "playground", "Playground"
    VIDEO = "video", "Video job"
    BATCH = "batch", "Batch job"


class Generation(models.Model):
    """One model's answer to one turn. The permanent ledger: usage and cost as charged."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A string reference: the ledger knows conversations only as the turn's thread, not as an import.
    # Never CASCADE: removing a conversation must not remove what was billed for it.
    conversation = models.ForeignKey(
        "playground.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="generations"
    )
    # Never CASCADE either: a user with billed calls is erased (anonymised, the row kept as a tombstone,
    # accounts.services.user_delete_account), not deleted; deleting one is refused, the admin's included.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="generations")
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="generations"
    )
    door = models.CharField(max_length=16, choices=Door.choices, default=Door.REST)
    # What was asked for and what answered (they differ when a fallback answered).
    requested_model = models.CharField(max_length=200)
    model = models.ForeignKey("catalog.AIModel", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    model_slug = models.CharField(max_length=200)
    provider = models.ForeignKey("catalog.Provider", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    upstream_id = models.CharField(max_length=200, blank=True)

    input_messages = models.JSONField(default=list)
    parameters = models.JSONField(default=dict, blank=True)
    content = models.TextField(blank=True)
    # What the answer held beside its text: {"tool_calls": [...], "refusal": ..., "choices": [the other n]}.
    output = models.JSONField(default=dict, blank=True)
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
    created_at = models.DateTimeField(default=timezone.now)
    turn = models.PositiveIntegerField(default=0, help_text="Position of the turn in its conversation.")
    # Hidden = kept off public share pages and queued for review; the owner still sees it in their history.
    hidden = models.BooleanField(default=False)
    # Set when the owner took the turn out of its conversation (edited an earlier message): the turn
    # no longer shows anywhere, but the row stays in the ledger and in every usage figure.
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table (and its indexes, named after it) kept the name it had when the playground owned it:
        # moving the model moved no row.
        db_table = "playground_generation"
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


class DeadLetter(models.Model):
    """A queued ledger row that PostgreSQL refused, kept with the reason so an operator can retry or
    discard it (admin): one bad row never blocks the rows behind it, and is never silently lost."""

    raw = models.TextField(help_text="The row as it was queued (JSON).")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the raw row: one letter per row.")
    error = models.TextField(blank=True)
    generation_id = models.UUIDField(null=True, blank=True, help_text="The row's id, when it could be read.")
    attempts = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "ledger dead letter"

    def __str__(self) -> str:
        return f"dead letter {self.generation_id or self.pk}"


class PendingSettlement(models.Model):
    """A call that finished while Redis could not be reached: its ledger row was stored directly, and
    what settlement must still do to the counters (release the hold, add the cost) waits here until
    Redis is back (usage.counters.replay_settlements, run by the ledger sweep)."""

    user_id = models.BigIntegerField()
    month = models.CharField(max_length=6)
    day = models.CharField(max_length=8)
    reserved_nano = models.BigIntegerField(default=0)
    cost_nano = models.BigIntegerField(default=0)
    tokens = models.BigIntegerField(default=0)
    model_slug = models.CharField(max_length=200)
    status = models.CharField(max_length=16)
    api_key_id = models.BigIntegerField(null=True, blank=True)
    generation_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"pending settlement {self.generation_id or self.pk}"
