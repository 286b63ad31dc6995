"""Conversations, presets, moderation and background jobs; the ledger they build on is usage.Generation."""

import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Index, Manager
from django.utils import timezone

from usage.models import Door


class LiveConversations(models.Manager["Conversation"]):
    """Conversations their owner has not deleted: the only ones any page or API shows."""

    def get_queryset(self) -> models.QuerySet["Conversation"]:
        return super().get_queryset().filter(deleted_at__isnull=True)


class SessionStatus(models.TextChoices):
    """Where the latest turn of a conversation (a "session" in the API) stands."""

    PENDING = "pending", "Pending"  # created, no turn has started yet
    STREAMING = "streaming", "Streaming"
    COMPLETED = "completed", "Completed"  # every model answered
    PARTIAL = "partial", "Partly answered"  # some models answered, some failed
    FAILED = "failed", "Failed"  # no model answered
    CANCELLED = "cancelled", "Cancelled"  # stopped before any model had answered

    @classmethod
    def of_turn(cls, statuses: list[str], models: int) -> "SessionStatus":
        """A finished turn's status from its generations' statuses (`models` were asked)."""
        answered = statuses.count("success")
        if models and answered == models:
            return cls.COMPLETED
        if answered:
            return cls.PARTIAL
        return cls.CANCELLED if "cancelled" in statuses else cls.FAILED


class Conversation(models.Model):
    """A thread in the playground, or one multi-model comparison from the stream endpoint.

    Deleting one is soft (`remove`): its text goes and it disappears everywhere, but the row stays so
    that its generations (billing records, some still being written behind their responses) keep
    pointing at something.
    """

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
    # A branch starts with the turns it was branched from, copied as text: [{"prompt", "answers": [{"model",
    # "content"}]}]. Their generations belong to the original conversation.
    carried_turns = models.JSONField(default=list, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # The settings panel as the latest turn was sent, by the API's names (temperature, stop, tools,
    # response_format ...): reopening the conversation puts them back. The system prompt has its own field.
    settings = models.JSONField(default=dict, blank=True)
    # The words of its title, prompts and answers (PostgreSQL full text, GIN-indexed with the owner),
    # added to as each turn ends: history search never reads the ledger (playground/search.py).
    search = SearchVectorField(null=True, editable=False)

    # Declared last: the field's name would shadow the `models` module for the lines after it.
    share_id = models.CharField(max_length=32, unique=True, null=True, blank=True)
    share_shows_cost = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=SessionStatus.choices, default=SessionStatus.PENDING)
    models = models.JSONField(default=list, blank=True, help_text="Catalog slugs compared in this conversation.")

    all_objects = Manager()
    objects = LiveConversations()

    class Meta:
        ordering = ["-updated_at"]
        base_manager_name = "all_objects"
        default_manager_name = "objects"
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

    def remove(self) -> None:
        """Delete for its owner: the title, system prompt and share link go; its generations stay billed."""
        self.deleted_at = timezone.now()
        self.title, self.system_prompt, self.share_id, self.models, self.settings = "", "", None, [], {}
        self.save(
            update_fields=["deleted_at", "title", "system_prompt", "share_id", "models", "settings", "updated_at"]
        )


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


# --- Moderation: the queue of flagged generations and the rules that fill it (playground/moderation/).


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

    generation = models.ForeignKey("usage.Generation", on_delete=models.CASCADE, related_name="flags")
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


# --- Background jobs: video generation and batch runs ------------------------------------------
# Rows are written by playground/jobs/video.py and playground/jobs/batch.py; Celery tasks in
# playground/jobs/tasks.py move them forward. Each job is charged once, at its final state.


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SUBMITTED = "submitted", "Submitted"
    PROCESSING = "processing", "Processing"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


JOB_FINAL_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})


class VideoJob(models.Model):
    """One video asked of a provider: submitted, polled until final, the clip stored in media."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="video_jobs")
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="video_jobs"
    )
    model = models.ForeignKey("catalog.AIModel", null=True, on_delete=models.SET_NULL, related_name="+")
    model_slug = models.CharField(max_length=200)
    provider = models.ForeignKey("catalog.Provider", null=True, on_delete=models.SET_NULL, related_name="+")
    prompt = models.TextField()
    duration = models.PositiveSmallIntegerField(default=6)
    resolution = models.CharField(max_length=8, blank=True)
    first_frame_image = models.TextField(blank=True)
    door = models.CharField(max_length=16, choices=Door.choices, default=Door.REST)

    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    provider_task_id = models.CharField(max_length=200, blank=True)
    provider_state = models.CharField(max_length=16, blank=True)
    file = models.FileField(upload_to="videos/", blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    # Admission made at submit; settlement at the final state releases exactly this reservation.
    reserved_nano = models.BigIntegerField(default=0)
    admission_day = models.CharField(max_length=8, blank=True)
    admission_month = models.CharField(max_length=6, blank=True)
    cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True, help_text="Null = unpriced.")
    charged_at = models.DateTimeField(null=True, blank=True, help_text="Set once, by the settlement that charged.")
    generation_id = models.UUIDField(null=True, blank=True, help_text="The ledger row written at settlement.")

    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0, help_text="Steps taken: the submit and every poll.")
    provider_errors = models.PositiveIntegerField(default=0, help_text="Failed calls in a row.")
    next_poll_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["status", "next_poll_at"]),
        ]
        constraints = [
            # The provider's task id is the settlement key: one job (and one charge) per provider task.
            models.UniqueConstraint(
                fields=["provider", "provider_task_id"],
                condition=~models.Q(provider_task_id=""),
                name="videojob_unique_provider_task",
            )
        ]

    def __str__(self) -> str:
        return f"{self.model_slug} {self.status} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_final(self) -> bool:
        return self.status in JOB_FINAL_STATUSES


class BatchStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    COMPLETED = "completed", "Completed"


class BatchRun(models.Model):
    """Many prompts to one model, worked through by a capped number of workers."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="batch_runs")
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="batch_runs"
    )
    model_slug = models.CharField(max_length=200)
    # The model's kind when submitted: chat prompts, texts to embed, or image prompts.
    kind = models.CharField(max_length=16, default="chat")
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    # Updated with F() by every worker, so concurrent items never lose a count.
    completed = models.PositiveIntegerField(default=0)
    succeeded = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=8, default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"batch {self.pk} {self.status} {self.completed}/{self.total}"


class BatchItemStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class BatchItem(models.Model):
    batch = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="items")
    index = models.PositiveIntegerField()
    prompt = models.TextField()
    status = models.CharField(max_length=16, choices=BatchItemStatus.choices, default=BatchItemStatus.QUEUED)
    content = models.TextField(blank=True)
    tool_calls = models.JSONField(default=list, blank=True)  # when the answer called tools (batch `tools`)
    error_code = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    generation_id = models.UUIDField(null=True, blank=True)
    total_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=8, null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch", "index"]
        constraints = [models.UniqueConstraint(fields=["batch", "index"], name="batchitem_unique_index")]
        indexes = [models.Index(fields=["batch", "status"])]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.index} {self.status}"


class GeneratedImage(models.Model):
    """One picture an image model drew, kept in media storage and served to its owner, or to whoever
    holds a signed link that has not expired (playground.media_links). Its cost is on its ledger row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="images")
    # The ledger row of the call that drew it (a plain id: API calls record their row behind the response).
    generation_id = models.UUIDField(db_index=True)
    model_slug = models.CharField(max_length=200)
    prompt = models.TextField()
    revised_prompt = models.TextField(blank=True)
    file = models.FileField(upload_to="images/")
    mime_type = models.CharField(max_length=32)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [Index(fields=["user", "created_at"], name="generatedimage_user_created")]

    def __str__(self) -> str:
        return f"{self.model_slug} {self.pk}"

    @property
    def extension(self) -> str:
        return self.mime_type.rsplit("/", 1)[-1].replace("jpeg", "jpg")


class ChatImage(models.Model):
    """An image a user sent in a chat message (a `data:` URI), stored once by its content and
    referenced from the ledger row (playground.media), so a row never holds its base64.

    The file is named by the SHA-256 of its bytes, so the same image sent by anyone is stored once;
    this row says that `owner` sent it, which is what lets them read it back."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sha256 = models.CharField(max_length=64)
    media_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    file = models.FileField(upload_to="chat-images/", max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["owner", "sha256"], name="unique_chat_image_owner_sha")]

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.media_type})"


class StoredResponse(models.Model):
    """A response of the Responses door (`/v1/responses`) kept for `previous_response_id` and for
    reading back. Its generation is the ledger's row; reading, continuing or deleting this one never
    charges again or touches that row.

    Each keeps only its own turn and points at the response it continued, so a long conversation
    costs one row per turn (not a copy of everything before it per turn); the history is read back
    in one recursive query (playground.doors.responses)."""

    id = models.CharField(primary_key=True, max_length=64)  # "resp_<hex>", OpenAI's form
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    generation_id = models.UUIDField(null=True, blank=True)
    # PROTECT: a response that others continue is forgotten softly (`deleted`), so theirs stay whole.
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # This turn in the chat request's shapes (its input, then the answer), without `instructions`,
    # which OpenAI does not carry over to a response that continues this one.
    turn = models.JSONField(default=list)
    input_items = models.JSONField(default=list)  # this response's input, as GET .../input_items lists it
    body = models.JSONField(default=dict)  # the response object as it was answered
    deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [Index(fields=["owner", "created_at"])]

    def __str__(self) -> str:
        return self.id
