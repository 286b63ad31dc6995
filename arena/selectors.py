"""Reads for the arena: a user's battles, and the leaderboards (computed by a task, read from the cache)."""

import statistics
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from arena.models import LENGTH_FLAG_RATIO, Battle, BattleAnswer, Contestant, PromptCategory, Vote
from arena.ratings import VoteRecord, bradley_terry, counted_comparisons
from catalog.models import AIModel
from config.money import money

LEADERBOARD_SECONDS = 24 * 3600  # refreshed after every vote; this only bounds a lost refresh
ALL = "all"


def battle_for_user(user: Any, pk: Any) -> Battle | None:
    return Battle.objects.filter(pk=pk, user=user).first()


def recent_battles(user: Any, limit: int = 10) -> QuerySet[Battle]:
    return Battle.objects.filter(user=user).prefetch_related("turns")[:limit]


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


def leaderboard_compute(
    *, user_id: int | None = None, category: str = ALL, exclude_flagged: bool = False
) -> dict[str, Any]:
    """The leaderboard as the API and the page show it (a plain, JSON-ready dict)."""
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
    """The cached leaderboard; computed here only when the cache has lost it (the task keeps it fresh)."""
    if exclude_flagged:  # a reviewer's view, asked for rarely: not cached
        return leaderboard_compute(user_id=user_id, category=category, exclude_flagged=True)
    key = leaderboard_key(user_id=user_id, category=category)
    board = cache.get(key)
    if board is None:
        board = leaderboard_compute(user_id=user_id, category=category)
        cache.set(key, board, LEADERBOARD_SECONDS)
    return board


def categories() -> list[tuple[str, str]]:
    return [(ALL, "All prompts"), *PromptCategory.choices]
