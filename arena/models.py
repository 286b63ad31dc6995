"""Blind battles between models on the platform's own prompts, the votes they end with, and the pools
the contestants are drawn from. The answers themselves are ledger rows (usage.Generation)."""

import hashlib
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

MIN_CONTESTANTS = 2
MAX_CONTESTANTS = 4  # the playground's MAX_MODELS: contestants stream side by side like a comparison
SLOT_LABELS = "ABCD"
# Longest answer at least this many times the shortest: the battle is flagged (see Battle.length_ratio).
LENGTH_FLAG_RATIO = 3.0


class PromptCategory(models.TextChoices):
    GENERAL = "general", "General"
    CODING = "coding", "Coding"
    WRITING = "writing", "Writing"
    MATH = "math", "Maths and reasoning"
    KNOWLEDGE = "knowledge", "Knowledge and facts"


class PoolEntry(models.Model):
    """A model the admins let into the arena: battles drawn from the pool pick among these."""

    model = models.OneToOneField("catalog.AIModel", on_delete=models.CASCADE, related_name="arena_pool_entry")
    active = models.BooleanField(default=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "pool model"
        verbose_name_plural = "pool"
        ordering = ["model__slug"]

    def __str__(self) -> str:
        return self.model.slug


class ShortlistEntry(models.Model):
    """A model a user wants to see in their own battles (drawn from instead of the pool)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="arena_shortlist")
    model = models.ForeignKey("catalog.AIModel", on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "model"], name="arena_unique_shortlist_model")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.model_id}"


class BattleSource(models.TextChoices):
    POOL = "pool", "The arena's pool"
    SHORTLIST = "shortlist", "My shortlist"


class BattleStatus(models.TextChoices):
    ANSWERING = "answering", "Answering"  # a turn's answers are still coming
    READY = "ready", "Waiting for the vote"  # every answer has finished
    VOTED = "voted", "Voted"


def prompt_fingerprint(prompt: str) -> str:
    """The same prompt whatever its case and spacing: one user's repeats are recognised by this."""
    normal = " ".join(prompt.casefold().split())
    return hashlib.sha256(normal.encode()).hexdigest()


class Battle(models.Model):
    """Two to four hidden models answering the same prompts; the names are shown after the vote."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="arena_battles")
    category = models.CharField(max_length=16, choices=PromptCategory.choices, default=PromptCategory.GENERAL)
    source = models.CharField(max_length=16, choices=BattleSource.choices, default=BattleSource.POOL)
    status = models.CharField(max_length=16, choices=BattleStatus.choices, default=BattleStatus.ANSWERING)
    # The first prompt's fingerprint: a user's repeats of one prompt count once on the leaderboard.
    prompt_hash = models.CharField(max_length=64, db_index=True)
    # Longest answer / shortest answer (in characters) over the battle: very different lengths are flagged,
    # since voters are known to prefer the longer answer whatever it says.
    length_ratio = models.FloatField(null=True, blank=True)
    replay_of = models.ForeignKey(
        "playground.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    pending_prompts = models.JSONField(default=list, blank=True, help_text="Prompts a replay has yet to send.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"battle {self.pk} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("arena:battle", args=[self.pk])

    @property
    def length_flagged(self) -> bool:
        return self.length_ratio is not None and self.length_ratio >= LENGTH_FLAG_RATIO

    @property
    def is_revealed(self) -> bool:
        return self.status == BattleStatus.VOTED


class Contestant(models.Model):
    """One hidden model of a battle, in the position (A, B, ...) it was drawn into at random."""

    battle = models.ForeignKey(Battle, on_delete=models.CASCADE, related_name="contestants")
    position = models.PositiveSmallIntegerField()
    model = models.ForeignKey("catalog.AIModel", null=True, on_delete=models.SET_NULL, related_name="+")
    model_slug = models.CharField(max_length=200)

    class Meta:
        ordering = ["battle", "position"]
        constraints = [
            models.UniqueConstraint(fields=["battle", "position"], name="arena_unique_contestant_position"),
            models.UniqueConstraint(fields=["battle", "model_slug"], name="arena_unique_contestant_model"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.model_slug}"

    @property
    def label(self) -> str:
        return SLOT_LABELS[self.position]


class BattleTurn(models.Model):
    battle = models.ForeignKey(Battle, on_delete=models.CASCADE, related_name="turns")
    number = models.PositiveSmallIntegerField()
    prompt = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["battle", "number"]
        constraints = [models.UniqueConstraint(fields=["battle", "number"], name="arena_unique_turn_number")]

    def __str__(self) -> str:
        return f"turn {self.number} of {self.battle_id}"


class AnswerStatus(models.TextChoices):
    PENDING = "pending", "Waiting"
    SUCCESS = "success", "Done"
    ERROR = "error", "Error"
    CANCELLED = "cancelled", "Stopped"


ANSWER_FINAL = frozenset({AnswerStatus.SUCCESS, AnswerStatus.ERROR, AnswerStatus.CANCELLED})


class BattleAnswer(models.Model):
    """One contestant's answer to one turn; its content, tokens, cost and times are on the ledger row."""

    turn = models.ForeignKey(BattleTurn, on_delete=models.CASCADE, related_name="answers")
    contestant = models.ForeignKey(Contestant, on_delete=models.CASCADE, related_name="answers")
    # The ledger row is never deleted with a battle's answer, and a battle never deletes a ledger row.
    generation = models.ForeignKey(
        "usage.Generation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=AnswerStatus.choices, default=AnswerStatus.PENDING)

    class Meta:
        ordering = ["turn", "contestant__position"]
        constraints = [models.UniqueConstraint(fields=["turn", "contestant"], name="arena_unique_answer")]

    def __str__(self) -> str:
        return f"{self.contestant_id} on {self.turn_id}: {self.status}"

    @property
    def is_final(self) -> bool:
        return self.status in ANSWER_FINAL


class VoteChoice(models.TextChoices):
    A = "a", "A is better"
    B = "b", "B is better"
    TIE = "tie", "Tie"
    BOTH_BAD = "both_bad", "Both are bad"
    RANKING = "ranking", "Ranking"  # three or four contestants: best first


class Vote(models.Model):
    """A battle's one vote. Moderators can void it: it then no longer counts, but stays on record."""

    battle = models.OneToOneField(Battle, on_delete=models.CASCADE, related_name="vote")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="arena_votes")
    choice = models.CharField(max_length=16, choices=VoteChoice.choices)
    ranking = models.JSONField(default=list, blank=True, help_text="Positions, best first (for 3-4 contestants).")
    created_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("void_vote", "Can void arena votes")]
        indexes = [models.Index(fields=["voided_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_choice_display()} ({'void' if self.voided_at else 'counts'})"

    @property
    def is_void(self) -> bool:
        return self.voided_at is not None
