"""Battles from start to vote: drawing the hidden models, adding turns, recording answers as they finish,
the one vote, and a moderator voiding it. Every page and API view calls these."""

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from arena.models import (
    ANSWER_FINAL,
    MAX_CONTESTANTS,
    MIN_CONTESTANTS,
    SLOT_LABELS,
    AnswerStatus,
    Battle,
    BattleAnswer,
    BattleSource,
    BattleStatus,
    BattleTurn,
    Contestant,
    PoolEntry,
    PromptCategory,
    ShortlistEntry,
    Vote,
    VoteChoice,
    prompt_fingerprint,
)
from catalog.models import AIModel, ModelKind, ModelStatus
from config.api.exceptions import ApiError

_RANDOM = secrets.SystemRandom()  # positions must not be guessable from a seeded generator

# Simple rules for a prompt whose author picked no category: the first that matches wins.
_CATEGORY_RULES: list[tuple[str, re.Pattern[str]]] = [
    (PromptCategory.CODING, re.compile(r"```|\b(code|function|python|javascript|sql|regex|bug|compile|api)\b", re.I)),
    (
        PromptCategory.MATH,
        re.compile(r"\b(solve|equation|prove|integral|probability|calculate)\b|\d+\s*[-+*/^]\s*\d+", re.I),
    ),
    (PromptCategory.WRITING, re.compile(r"\b(write|poem|story|essay|email|letter|rewrite|summari[sz]e)\b", re.I)),
    (PromptCategory.KNOWLEDGE, re.compile(r"^\s*(who|what|when|where|why|how|explain)\b", re.I)),
]


def category_for(prompt: str) -> str:
    """A category by simple rules, for a prompt whose author left it to us."""
    for category, rule in _CATEGORY_RULES:
        if rule.search(prompt):
            return category
    return PromptCategory.GENERAL


def _usable_chat(qs: QuerySet[AIModel]) -> QuerySet[AIModel]:
    return qs.filter(
        kind=ModelKind.CHAT,
        is_active=True,
        status__in=[ModelStatus.ACTIVE, ModelStatus.BETA],
        provider__enabled=True,
    )


def usable_chat_models() -> list[AIModel]:
    return list(_usable_chat(AIModel.objects.all()).select_related("provider").order_by("display_name"))


@transaction.atomic
def shortlist_set(*, user: Any, models: list[AIModel]) -> None:
    """The user's shortlist becomes exactly these models."""
    ShortlistEntry.objects.filter(user=user).exclude(model__in=models).delete()
    have = set(ShortlistEntry.objects.filter(user=user).values_list("model_id", flat=True))
    ShortlistEntry.objects.bulk_create(ShortlistEntry(user=user, model=m) for m in models if m.pk not in have)


def candidates_for(*, user: Any, source: str) -> list[AIModel]:
    """The models a battle may draw: the admins' pool, or the user's own shortlist."""
    if source == BattleSource.SHORTLIST:
        ids = ShortlistEntry.objects.filter(user=user).values("model_id")
    else:
        ids = PoolEntry.objects.filter(active=True).values("model_id")
    return list(_usable_chat(AIModel.objects.filter(pk__in=ids)).order_by("slug"))


def _draw(candidates: list[AIModel], count: int, required: AIModel | None) -> list[AIModel]:
    if required is not None:
        others = [m for m in candidates if m.pk != required.pk]
        drawn = [required, *_RANDOM.sample(others, count - 1)]
        _RANDOM.shuffle(drawn)  # the required model's position is as random as any other's
        return drawn
    return _RANDOM.sample(candidates, count)  # a random selection in a random order


@dataclass(frozen=True)
class PendingTurn:
    """What the event stream of one turn needs (kept in the cache under a one-time token)."""

    battle_id: str
    user_id: int
    turn: int
    slots: dict[str, str]  # label -> model slug
    messages: dict[str, list[dict[str, str]]]  # label -> what that model sees
    answers: dict[str, int]  # label -> BattleAnswer id

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@transaction.atomic
def battle_start(
    *,
    user: Any,
    prompt: str,
    count: int = 2,
    category: str = "",
    source: str = BattleSource.POOL,
    include: AIModel | None = None,
    replay_of: Any = None,
    pending_prompts: Iterable[str] = (),
) -> tuple[Battle, PendingTurn]:
    """A new battle with `count` hidden models in random positions, and its first turn."""
    prompt = prompt.strip()
    if not prompt:
        raise ApiError("VALIDATION_ERROR", "Write a prompt first.", {"prompt": ["Required."]})
    if not MIN_CONTESTANTS <= count <= MAX_CONTESTANTS:
        raise ApiError(
            "VALIDATION_ERROR",
            f"A battle has between {MIN_CONTESTANTS} and {MAX_CONTESTANTS} models.",
            {"count": ["Out of range."]},
        )
    if source not in BattleSource.values:
        raise ApiError("VALIDATION_ERROR", "Draw from the pool or your shortlist.", {"source": ["Unknown source."]})
    if category and category not in PromptCategory.values:
        choices = ", ".join(PromptCategory.values)
        raise ApiError("VALIDATION_ERROR", "Unknown category.", {"category": [f"One of {choices}."]})
    candidates = candidates_for(user=user, source=source)
    if include is not None and include.pk not in {m.pk for m in candidates}:
        candidates.append(include)
    if len(candidates) < count:
        where = "your shortlist" if source == BattleSource.SHORTLIST else "the arena's pool"
        raise ApiError(
            "VALIDATION_ERROR",
            f"{where.capitalize()} has {len(candidates)} usable model(s); this battle needs {count}.",
            {"count": ["More than the models available."]},
        )
    battle = Battle.objects.create(
        user=user,
        category=category or category_for(prompt),
        source=source,
        prompt_hash=prompt_fingerprint(prompt),
        replay_of=replay_of,
        pending_prompts=list(pending_prompts),
    )
    Contestant.objects.bulk_create(
        Contestant(battle=battle, position=i, model=m, model_slug=m.slug)
        for i, m in enumerate(_draw(candidates, count, include))
    )
    return battle, _turn_add(battle, prompt)


@transaction.atomic
def battle_continue(*, battle: Battle, prompt: str) -> PendingTurn:
    """The next turn of a battle, with the same hidden models, each seeing its own earlier answers."""
    battle = Battle.objects.select_for_update().get(pk=battle.pk)
    prompt = prompt.strip()
    if not prompt:
        raise ApiError("VALIDATION_ERROR", "Write a prompt first.", {"prompt": ["Required."]})
    if battle.status == BattleStatus.VOTED:
        raise ApiError("VALIDATION_ERROR", "This battle has been voted on; start a new one.")
    if battle.status == BattleStatus.ANSWERING:
        raise ApiError("VALIDATION_ERROR", "Wait for every answer to finish first.")
    if battle.pending_prompts and battle.pending_prompts[0] == prompt:
        battle.pending_prompts = battle.pending_prompts[1:]
    battle.status = BattleStatus.ANSWERING
    battle.save(update_fields=["status", "pending_prompts", "updated_at"])
    return _turn_add(battle, prompt)


def _history(battle: Battle, contestant: Contestant) -> list[dict[str, str]]:
    messages: list[dict[str, str]] = []
    answers = BattleAnswer.objects.filter(turn__battle=battle, contestant=contestant)
    answers = answers.select_related("turn", "generation")
    for answer in answers.order_by("turn__number"):
        messages.append({"role": "user", "content": answer.turn.prompt})
        if answer.generation is not None and answer.generation.content:
            messages.append({"role": "assistant", "content": answer.generation.content})
        else:
            messages.pop()  # a turn this model did not answer is left out of its thread
    return messages


def _turn_add(battle: Battle, prompt: str) -> PendingTurn:
    number = battle.turns.count()
    turn = BattleTurn.objects.create(battle=battle, number=number, prompt=prompt)
    contestants = list(battle.contestants.all())
    messages = {c.label: [*_history(battle, c), {"role": "user", "content": prompt}] for c in contestants}
    answers = BattleAnswer.objects.bulk_create(BattleAnswer(turn=turn, contestant=c) for c in contestants)
    return PendingTurn(
        battle_id=str(battle.pk),
        user_id=battle.user_id,
        turn=number,
        slots={c.label: c.model_slug for c in contestants},
        messages=messages,
        answers={c.label: a.pk for c, a in zip(contestants, answers, strict=True)},
    )


def answer_record(*, answer_id: int, status: str, generation_id: Any) -> None:
    """One contestant has finished its answer; once all have, the battle waits for its vote."""
    if status not in ANSWER_FINAL:
        status = AnswerStatus.ERROR
    answer = BattleAnswer.objects.select_related("turn").get(pk=answer_id)
    # Only a pending answer changes: a stream cannot overwrite an answer already recorded.
    pending = BattleAnswer.objects.filter(pk=answer_id, status=AnswerStatus.PENDING)
    pending.update(status=status, generation_id=generation_id)
    battle_refresh(battle_id=answer.turn.battle_id)


def battle_refresh(*, battle_id: Any) -> None:
    """READY once every answer of every turn has finished, with the length ratio of the answers."""
    answers = list(BattleAnswer.objects.filter(turn__battle_id=battle_id).select_related("generation"))
    if not answers or any(not a.is_final for a in answers):
        return
    lengths: dict[int, int] = {}
    for a in answers:
        lengths[a.contestant_id] = lengths.get(a.contestant_id, 0) + len(a.generation.content if a.generation else "")
    ratio = max(lengths.values()) / max(min(lengths.values()), 1)
    Battle.objects.filter(pk=battle_id, status=BattleStatus.ANSWERING).update(
        status=BattleStatus.READY, length_ratio=ratio, updated_at=timezone.now()
    )


def battle_expire_unstreamed(*, battle: Battle, older_than_seconds: int) -> bool:
    """Answers of a turn whose stream was never opened (its one-time token has expired) can no longer
    come: they are marked as errors so the battle can still be voted on or continued."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    stale = BattleAnswer.objects.filter(turn__battle=battle, status=AnswerStatus.PENDING, turn__created_at__lt=cutoff)
    if not stale.update(status=AnswerStatus.ERROR):
        return False
    battle_refresh(battle_id=battle.pk)
    return True


def _ranking_for(battle: Battle, choice: str, ranking: list[str]) -> list[int]:
    size = battle.contestants.count()
    if size == 2:
        if choice not in (VoteChoice.A, VoteChoice.B, VoteChoice.TIE, VoteChoice.BOTH_BAD):
            raise ApiError("VALIDATION_ERROR", "Vote A, B, tie or both bad.", {"choice": ["Not a choice."]})
        return []
    labels = list(SLOT_LABELS[:size])
    if choice != VoteChoice.RANKING or sorted(ranking) != labels:
        raise ApiError(
            "VALIDATION_ERROR",
            f"Rank all {size} answers, best first, each once.",
            {"ranking": [f"A permutation of {', '.join(labels)}."]},
        )
    return [labels.index(label) for label in ranking]


def _silent_contestants(battle: Battle) -> list[str]:
    """Slots that have not answered a single turn (refused, failed or stopped before a word): a vote
    would rank an outage, not an answer."""
    answered = set(
        BattleAnswer.objects.filter(turn__battle=battle, generation__isnull=False)
        .exclude(generation__content="")
        .values_list("contestant_id", flat=True)
    )
    return [c.label for c in battle.contestants.all() if c.pk not in answered]


def vote_cast(*, battle: Battle, user: Any, choice: str, ranking: list[str] | None = None) -> Vote:
    """The battle's one vote: only once every answer has finished, and only once."""
    try:
        with transaction.atomic():
            locked = Battle.objects.select_for_update().get(pk=battle.pk)
            if locked.status == BattleStatus.VOTED or Vote.objects.filter(battle=locked).exists():
                raise ApiError("VALIDATION_ERROR", "This battle has already been voted on.", {"battle": ["Voted."]})
            if locked.status != BattleStatus.READY:
                raise ApiError("VALIDATION_ERROR", "Wait for every answer to finish before voting.")
            if silent := _silent_contestants(locked):
                raise ApiError(
                    "VALIDATION_ERROR",
                    f"Model {', '.join(silent)} gave no answer, so this battle cannot rank it; start a new one.",
                )
            positions = _ranking_for(locked, choice, ranking or [])
            vote = Vote.objects.create(battle=locked, user=user, choice=choice, ranking=positions)
            locked.status = BattleStatus.VOTED
            locked.save(update_fields=["status", "updated_at"])
    except IntegrityError:  # a second vote that raced the first past the lock's read
        raise ApiError("VALIDATION_ERROR", "This battle has already been voted on.", {"battle": ["Voted."]}) from None
    from arena.tasks import leaderboards_refresh_soon

    leaderboards_refresh_soon(user_id=user.pk)
    return vote


@transaction.atomic
def votes_void(*, votes: Iterable[Vote], by: Any, reason: str) -> int:
    """Moderators void votes: they stop counting at the next leaderboard, and the action is logged."""
    voided = 0
    voters: set[int] = set()
    for vote in votes:
        if vote.voided_at is not None:
            continue
        vote.voided_at, vote.voided_by, vote.void_reason = timezone.now(), by, reason[:300]
        vote.save(update_fields=["voided_at", "voided_by", "void_reason"])
        LogEntry.objects.log_actions(
            user_id=by.pk, queryset=[vote], action_flag=CHANGE, change_message=f"Voided arena vote: {reason}"
        )
        voters.add(vote.user_id)
        voided += 1
    from arena.tasks import leaderboards_refresh_soon

    for voter in sorted(voters):
        leaderboards_refresh_soon(user_id=voter)
    return voided


# --- Promoting the winner ----------------------------------------------------------------------


def _log(by: Any, obj: Any, message: str) -> None:
    LogEntry.objects.log_actions(user_id=by.pk, queryset=[obj], action_flag=CHANGE, change_message=message)


@transaction.atomic
def model_promote_default(*, model: AIModel, by: Any) -> None:
    """The platform's default model (the `default_model` system setting) becomes `model`."""
    from usage.models import SystemSetting
    from usage.settings_store import DEFAULTS

    if model.kind != ModelKind.CHAT:
        raise ApiError("VALIDATION_ERROR", f"{model.slug} is not a chat model.", {"model": ["Not a chat model."]})
    _default, type_, category, public, description = DEFAULTS["default_model"]
    setting, _ = SystemSetting.objects.update_or_create(
        key="default_model",
        defaults={"value": model.slug, "updated_by": by},
        create_defaults={
            "value": model.slug, "type": type_, "category": category, "is_public": public,
            "description": description, "updated_by": by,
        },
    )  # fmt: skip
    _log(by, setting, f"Default model set to {model.slug} (promoted from the arena)")
    _log(by, model, "Promoted from the arena: made the default model")


@transaction.atomic
def model_promote_fallback(*, model: AIModel, target: AIModel, by: Any) -> None:
    """`model` becomes the first fallback of `target`; the rest of the chain keeps its order behind it."""
    from catalog.models import ModelFallback
    from catalog.selectors import catalog_changed

    if model.pk == target.pk:
        raise ApiError("VALIDATION_ERROR", "A model cannot be its own fallback.", {"target": ["Same model."]})
    chain = [
        link for link in target.fallback_links.select_for_update().order_by("position") if link.fallback_id != model.pk
    ]
    ModelFallback.objects.filter(model=target, fallback=model).delete()
    for position, link in enumerate(chain, start=1):
        if link.position != position:
            link.position = position
            link.save(update_fields=["position"])
    ModelFallback.objects.create(model=target, fallback=model, position=0)
    transaction.on_commit(catalog_changed)
    _log(by, target, f"{model.slug} made its first fallback (promoted from the arena)")
