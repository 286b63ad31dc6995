"""Usage reads: the quota block and the usage summary come from the Redis aggregates, never a log scan."""

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from catalog.models import AIModel, ModelKind
from config.money import money
from usage import counters, limits
from usage.limits import from_nano
from usage.settings_store import tier_limits

MAX_RANGE_DAYS = 366


def _limit(value: Any) -> int | None:
    return None if value is None else int(value)


def quota_block(user: Any) -> dict[str, Any]:
    """`{per_minute, <each quota>: {used, limit}, budget: {...}}`; a null limit means unlimited."""
    tier = tier_limits(user.tier)
    used = counters.quota_used(user_id=user.pk)
    budget = user.monthly_budget_usd if user.monthly_budget_usd is not None else tier["monthly_budget_usd"]
    block: dict[str, Any] = {"per_minute": {"limit": _limit(tier.get("per_minute"))}}
    block |= {q.name: {"used": used[q.name], "limit": _limit(tier.get(q.name))} for q in limits.QUOTAS}
    block["budget"] = {
        "used": _money(used["spent"]),
        "reserved": _money(used["held"]),
        "limit": money(None if budget is None else Decimal(budget)),
        "currency": "USD",
    }
    return block


def _money(nano: int) -> str:
    return money(from_nano(nano))  # type: ignore[return-value]  (never None for a number)


def usage_summary(*, user: Any, start: date | None, end: date | None, model: str | None) -> dict[str, Any]:
    """Totals, per model and per day over [start, end] (default: the last 30 days)."""
    end = end or timezone.now().date()
    start = start or end - timedelta(days=29)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    aggregates = counters.user_days(user_id=user.pk, days=days)
    by_model: dict[str, dict[str, Any]] = {}
    by_date = []
    for day, agg in zip(days, aggregates, strict=True):
        models = counters.split_models(agg)
        if model:
            models = {k: v for k, v in models.items() if k == model}
        row = {"requests": 0, "tokens": 0, "cost": 0}
        for slug, figures in models.items():
            totals = by_model.setdefault(slug, {"requests": 0, "tokens": 0, "cost": 0})
            for key in row:
                totals[key] += figures[key]
                row[key] += figures[key]
        if row["requests"]:
            by_date.append({"date": day.isoformat(), **row, "cost": _money(row["cost"])})
    totals = {key: sum(m[key] for m in by_model.values()) for key in ("requests", "tokens", "cost")}
    return {
        "by_kind": _by_kind(by_model),
        "total_requests": totals["requests"],
        "total_tokens": totals["tokens"],
        "total_cost": _money(totals["cost"]),
        "by_model": {slug: {**m, "cost": _money(m["cost"])} for slug, m in sorted(by_model.items())},
        "by_date": by_date,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
    }


def _by_kind(by_model: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The per-model figures summed by the model's kind (chat, embedding, image, video); a model since
    removed from the catalog is counted under "other", so the kinds always add up to the total."""
    kinds = dict(AIModel.objects.filter(slug__in=list(by_model)).values_list("slug", "kind")) if by_model else {}
    sums = {kind: {"requests": 0, "tokens": 0, "cost": 0} for kind in ModelKind.values}
    for slug, figures in by_model.items():
        row = sums.setdefault(kinds.get(slug, "other"), {"requests": 0, "tokens": 0, "cost": 0})
        for key in row:
            row[key] += figures[key]
    return {kind: {**row, "cost": _money(row["cost"])} for kind, row in sums.items()}
