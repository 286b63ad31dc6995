"""Reads for the arena: a user's battles, and the leaderboards (computed by a task, read from the cache)."""

import statistics
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from arena.models import (
    LENGTH_FLAG_RATIO,
    SLOT_LABELS,
    Battle,
    BattleAnswer,
    BattleStatus,
    Contestant,
    PromptCategory,
    Vote,
)
from arena.ratings import VoteRecord, bradley_terry, counted_comparisons
from catalog.models import AIModel
from config.money import dollars, money
from playground.models import Conversation
from playground.pages.markdown import render_markdown
from playground.pages.turns import last_user_message, metrics_line

LEADERBOARD_SECONDS = 24 * 3600  # refreshed after every vote; this only bounds a lost refresh
UNFLAGGED_SECONDS = 300
ALL = "all"


def battle_for_user(user: Any, pk: Any) -> Battle | None:
    return Battle.objects.filter(pk=pk, user=user).first()


def recent_battles(user: Any, limit: int = 10) -> QuerySet[Battle]:
    return Battle.objects.filter(user=user).prefetch_related("turns")[:limit]


def battle_view(battle: Battle) -> dict[str, Any]:
    """What the battle page shows: the turns with an answer per slot, and, after the vote only, who
    each slot was, with the ledger's tokens, cost and times."""
    revealed = battle.is_revealed
    contestants = list(battle.contestants.select_related("model"))
    answers = BattleAnswer.objects.filter(turn__battle=battle).select_related("generation", "contestant", "turn")
    by_turn: dict[int, list[BattleAnswer]] = defaultdict(list)
    prompts: dict[int, str] = {}
    for a in answers.order_by("turn__number", "contestant__position"):
        by_turn[a.turn.number].append(a)
        prompts[a.turn.number] = a.turn.prompt
    totals: dict[int, dict[str, Any]] = {c.pk: {"cost": Decimal(0), "priced": True, "ms": 0} for c in contestants}
    turns = []
    for number in sorted(by_turn):
        shown = []
        for a in by_turn[number]:
            g = a.generation
            if g is not None:
                totals[a.contestant_id]["ms"] += g.duration_ms or 0
                if g.cost is None:
                    totals[a.contestant_id]["priced"] = False
                else:
                    totals[a.contestant_id]["cost"] += g.cost
            shown.append({
                "label": a.contestant.label,
                "name": a.contestant.model_slug if revealed else "",
                "status": a.status,
                "status_label": a.get_status_display(),
                "html": render_markdown(g.content) if g is not None and g.content else "",
                "error": g.error_message if g is not None and a.status == "error" else "",
                "metrics": metrics_line(g) if revealed and g is not None else "",
            })  # fmt: skip
        turns.append({"number": number, "prompt": prompts[number], "answers": shown})
    vote = getattr(battle, "vote", None) if revealed else None
    reveal = [
        {
            "label": c.label,
            "name": c.model.display_name if c.model else c.model_slug,
            "slug": c.model_slug,
            "cost": dollars(totals[c.pk]["cost"]) if totals[c.pk]["priced"] else "unpriced",
            "seconds": f"{totals[c.pk]['ms'] / 1000:.2f}",
        }
        for c in contestants
    ] if revealed else []  # fmt: skip
    return {
        "battle": battle,
        "labels": [c.label for c in contestants],
        "turns": turns,
        "ready": battle.status == BattleStatus.READY,
        "revealed": revealed,
        "reveal": reveal,
        "vote": vote,
        "vote_ranking": [SLOT_LABELS[p] for p in vote.ranking] if vote else [],
        "next_prompt": battle.pending_prompts[0] if battle.pending_prompts else "",
    }


def conversation_prompts(conversation: Conversation) -> list[str]:
    """A past conversation's user prompts, turn by turn (one per turn, whatever the number of models)."""
    seen: dict[int, str] = {}
    live = conversation.generations.filter(removed_at__isnull=True)  # not the turns edited away
    for turn, messages in live.order_by("turn", "created_at").values_list("turn", "input_messages"):
        if turn not in seen and (prompt := last_user_message(messages)):
            seen[turn] = prompt
    return [seen[t] for t in sorted(seen)]


def matrix_rows(board: dict[str, Any]) -> list[dict[str, Any]]:
    """The win-rate matrix as table rows for the page."""
    names = {m["model"]: m["name"] for m in board["models"]}
    return [
        {"model": model, "name": names.get(model, model), "cells": board["matrix"]["rows"][i]}
        for i, model in enumerate(board["matrix"]["models"])
    ]


def leaderboard_key(*, user_id: int | None, category: str) -> str:
    return f"arena-leaderboard:v1:{f'user:{user_id}' if user_id else 'platform'}:{category}"


def _counted_votes(*, user_id: int | None, category: str, exclude_flagged: bool) -> list[tuple[Vote, list[str]]]:
    votes = Vote.objects.filter(voided_at__isnull=True).select_related("battle").order_by("created_at", "pk")
    if user_id:
        votes = votes.filter(user_id=user_id)
    if category != ALL:
        votes = votes.filter(battle__category=category)
    if exclude_flagged:
        votes = votes.exclude(battle__length_ratio__gte=LENGTH_FLAG_RATIO)
    votes_list = list(votes)
    slots: dict[Any, dict[int, str]] = defaultdict(dict)
    rows = Contestant.objects.filter(battle_id__in=[v.battle_id for v in votes_list])
    for battle_id, position, slug in rows.values_list("battle_id", "position", "model_slug"):
        slots[battle_id][position] = slug
    return [(v, [slots[v.battle_id][p] for p in sorted(slots[v.battle_id])]) for v in votes_list]


def _answer_figures(battle_ids: list[Any]) -> dict[str, dict[str, Any]]:
    """Median cost and time of each model's answers in the counted battles (the ledger's figures)."""
    costs: dict[str, list[Decimal]] = defaultdict(list)
    times: dict[str, list[int]] = defaultdict(list)
    rows = BattleAnswer.objects.filter(turn__battle_id__in=battle_ids, generation__isnull=False)
    for slug, cost, duration in rows.values_list(
        "contestant__model_slug", "generation__cost", "generation__duration_ms"
    ):
        if cost is not None:
            costs[slug].append(cost)
        if duration is not None:
            times[slug].append(duration)
    slugs = set(costs) | set(times)
    return {
        s: {
            "median_cost": money(statistics.median(costs[s])) if costs[s] else None,
            "median_duration_ms": int(statistics.median(times[s])) if times[s] else None,
        }
        for s in slugs
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def leaderboards_by_category(*, user_id: int | None = None) -> dict[str, dict[str, Any]]:
    """Every category's board for one scope, from one read of its votes (what the task refreshes)."""
    counted = _counted_votes(user_id=user_id, category=ALL, exclude_flagged=False)
    return {
        category: leaderboard_compute(
            user_id=user_id,
            category=category,
            counted=[(v, slugs) for v, slugs in counted if category == ALL or v.battle.category == category],
        )
        for category, _ in categories()
    }


def leaderboard_compute(
    *,
    user_id: int | None = None,
    category: str = ALL,
    exclude_flagged: bool = False,
    counted: list[tuple[Vote, list[str]]] | None = None,
) -> dict[str, Any]:
    """The leaderboard as the API and the page show it (a plain, JSON-ready dict). `counted`: the
    scope's votes already read, oldest first."""
    if counted is None:
        counted = _counted_votes(user_id=user_id, category=category, exclude_flagged=exclude_flagged)
    records = [VoteRecord(v.user_id, v.battle.prompt_hash, slugs, v.choice, tuple(v.ranking)) for v, slugs in counted]
    board = bradley_terry(counted_comparisons(records))
    flagged: dict[str, int] = defaultdict(int)
    for v, slugs in counted:
        if v.battle.length_flagged:
            for slug in slugs:
                flagged[slug] += 1
    figures = _answer_figures([v.battle_id for v, _ in counted])
    names = dict(AIModel.objects.filter(slug__in=[r.model for r in board.ratings]).values_list("slug", "display_name"))
    order = [r.model for r in board.ratings]
    models = []
    for rank, r in enumerate(board.ratings, start=1):
        models.append({
            "rank": rank if r.rating is not None else None,
            "model": r.model,
            "name": names.get(r.model, r.model),
            "rating": _round(r.rating),
            "ci_lower": _round(r.lower),
            "ci_upper": _round(r.upper),
            "votes": r.games,
            "wins": r.wins,
            "win_rate": round(r.wins / r.games, 4) if r.games else None,
            "flagged_votes": flagged[r.model],
            **figures.get(r.model, {"median_cost": None, "median_duration_ms": None}),
        })  # fmt: skip
    matrix = [
        [
            {"wins": board.win_rates[a][b][0], "games": board.win_rates[a][b][1],
             "win_rate": round(board.win_rates[a][b][0] / board.win_rates[a][b][1], 4)}
            if b in board.win_rates.get(a, {}) else None
            for b in order
        ]
        for a in order
    ]  # fmt: skip
    return {
        "scope": "mine" if user_id else "platform",
        "category": category,
        "exclude_flagged": exclude_flagged,
        "votes": len(counted),
        "computed_at": timezone.now().isoformat().replace("+00:00", "Z"),
        "method": "bradley-terry, 95% Wald intervals, Elo scale centred on 1000",
        "models": models,
        "matrix": {"models": order, "rows": matrix},
    }


def leaderboard(*, user_id: int | None = None, category: str = ALL, exclude_flagged: bool = False) -> dict[str, Any]:
    """The cached leaderboard; computed here only when the cache has lost it (the task keeps the boards
    with every vote fresh; the rarer view without flagged battles lives a few minutes)."""
    key = leaderboard_key(user_id=user_id, category=category) + (":unflagged" if exclude_flagged else "")
    board = cache.get(key)
    if board is None:
        board = leaderboard_compute(user_id=user_id, category=category, exclude_flagged=exclude_flagged)
        cache.set(key, board, UNFLAGGED_SECONDS if exclude_flagged else LEADERBOARD_SECONDS)
    return board


def categories() -> list[tuple[str, str]]:
    return [(ALL, "All prompts"), *PromptCategory.choices]
