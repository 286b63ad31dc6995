"""Platform analytics for the admin page. Reads the rollups (latency percentiles from their duration
histograms), and the ledger only after today's rollup mark: the beat task rolls today up every five
minutes, so that is a few minutes of rows, not the day. Active users come from each user's last
active day. The result is cached for 60 s."""

from __future__ import annotations

import time as clock
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import User
from catalog.models import Provider
from config.money import money
from usage.models import DailyRollup, GenerationStatus, LastActiveDay, RollupMark
from usage.rollups import bucket_ms, day_start, latency_buckets, ledger_between

CACHE_KEY = "analytics:page:v1"
CACHE_SECONDS = 60
CHART_DAYS = 30
LATENCY_DAYS = 7


def analytics_data(*, fresh: bool = False) -> dict[str, Any]:
    data = None if fresh else cache.get(CACHE_KEY)
    if data is None:
        data = compute_analytics()
        cache.set(CACHE_KEY, data, CACHE_SECONDS)
    return data


def compute_analytics() -> dict[str, Any]:
    started = clock.perf_counter()
    today = timezone.localdate()
    live = _today_live(today)
    data = {
        "users": _users(today, live["user_ids"]),
        "generations": _generations(today, live),
        "cost_by_day": _cost_by_day(today, live),
        "top_models": _top_models(today, live),
        "providers": _providers(today, live),
        "generated_at": timezone.now().isoformat(),
    }
    data["compute_ms"] = round((clock.perf_counter() - started) * 1000, 1)
    return data


def _today_live(today: date) -> dict[str, Any]:
    """Today's figures: its rollups up to their mark, plus the ledger after it (the whole day when today
    has not been rolled up yet); every earlier day comes from the rollups alone."""
    mark, rolled = _rolled_today(today)
    tail = ledger_between(mark or day_start(today)).order_by()
    per_model: dict[tuple[str, Any], dict[str, Any]] = {}
    latency: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))

    def add(slug: str, provider_id: Any, requests: int, errors: int, tokens: int | None, cost: Any) -> None:
        empty = {"model_slug": slug, "provider_id": provider_id, "requests": 0, "errors": 0, "tokens": 0}
        row = per_model.setdefault((slug, provider_id), {**empty, "cost": Decimal(0)})
        row["requests"] += requests
        row["errors"] += errors
        row["tokens"] += tokens or 0
        row["cost"] += cost or Decimal(0)

    for r in rolled:
        add(r["model_slug"], r["provider_id"], r["requests"], r["errors"], r["tokens"], r["cost"])
        for bucket, calls in (r["latency"] or {}).items():
            latency[r["provider_id"]][int(bucket)] += calls
    for g in tail.values("model_slug", "provider_id").annotate(
        requests=Count("id"), errors=Count("id", filter=_errors()), tokens=Sum("total_tokens"), cost=Sum("cost")
    ):
        add(g["model_slug"], g["provider_id"], g["requests"], g["errors"], g["tokens"], g["cost"])
    for r in latency_buckets(tail, "provider_id"):
        latency[r["provider_id"]][r["bucket"]] += r["calls"]
    groups = list(per_model.values())
    per_provider: dict[Any, dict[str, int]] = defaultdict(lambda: {"requests": 0, "errors": 0})
    for g in groups:
        per_provider[g["provider_id"]]["requests"] += g["requests"]
        per_provider[g["provider_id"]]["errors"] += g["errors"]
    return {
        "requests": sum(g["requests"] for g in groups),
        "tokens": sum(g["tokens"] for g in groups),
        "cost": sum((g["cost"] for g in groups), Decimal(0)),
        "per_model": groups,
        "per_provider": dict(per_provider),
        "latency": latency,
        # Who called since the mark; the ones before it have today as their last active day.
        "user_ids": set(tail.values_list("user_id", flat=True).distinct()),
    }


def _rolled_today(today: date) -> tuple[Any, list[dict[str, Any]]]:
    """Today's mark and the rollup rows it belongs to. A run of the beat task may commit between the
    two reads; the mark is read again after the rows, so they never come from different runs."""
    fields = ("model_slug", "provider_id", "requests", "errors", "tokens", "cost", "latency")
    marks = RollupMark.objects.filter(day=today).values_list("through", flat=True)
    mark = marks.first()
    while True:
        rolled = list(DailyRollup.objects.filter(day=today).values(*fields)) if mark else []
        again = marks.first()
        if again == mark:
            return mark, rolled
        mark = again


def _errors() -> Q:
    return ~Q(status=GenerationStatus.SUCCESS)


def _users(today: date, active_today: set[int]) -> dict[str, Any]:
    month_start = today.replace(day=1)
    total = User.objects.count()
    new = User.objects.filter(created_at__gte=day_start(month_start)).count()
    before = total - new

    # Users whose last active day falls in the window, and those active since today's mark whose last
    # active day (as of the mark) does not: one index range and, when anyone called since, one lookup.
    week, month = today - timedelta(days=6), today - timedelta(days=29)
    counted = LastActiveDay.objects.filter(day__gte=month).aggregate(
        week=Count("pk", filter=Q(day__gte=week)), month=Count("pk")
    )
    last_seen = dict(LastActiveDay.objects.filter(user_id__in=active_today).values_list("user_id", "day"))
    missed = [last_seen.get(user_id) for user_id in active_today]
    return {
        "total": total,
        "active_7d": counted["week"] + sum(1 for day in missed if day is None or day < week),
        "active_30d": counted["month"] + sum(1 for day in missed if day is None or day < month),
        "new_this_month": new,
        # Growth of the user base this month: new users against those there on the 1st.
        "growth_pct": round(new * 100 / before, 1) if before else None,
    }


def _generations(today: date, live: dict[str, Any]) -> dict[str, Any]:
    past = DailyRollup.objects.filter(day__lt=today).aggregate(
        requests=Sum("requests"), tokens=Sum("tokens"), cost=Sum("cost"), errors=Sum("errors")
    )
    return {
        "today": live["requests"],
        "total": (past["requests"] or 0) + live["requests"],
        "tokens_today": live["tokens"],
        "tokens_total": (past["tokens"] or 0) + live["tokens"],
        "cost_total": money((past["cost"] or Decimal(0)) + live["cost"]),
    }


def _cost_by_day(today: date, live: dict[str, Any]) -> list[dict[str, Any]]:
    first = today - timedelta(days=CHART_DAYS - 1)
    rows = (
        DailyRollup.objects.filter(day__gte=first, day__lt=today)
        .values("day")
        .annotate(cost=Sum("cost"), requests=Sum("requests"), tokens=Sum("tokens"))
    )
    by_day = {r["day"]: r for r in rows}
    series = []
    for offset in range(CHART_DAYS):
        day = first + timedelta(days=offset)
        row = by_day.get(day, {})
        if day == today:
            row = live
        series.append(
            {
                "day": day.isoformat(),
                "cost": money(row.get("cost") or Decimal(0)),
                "requests": row.get("requests") or 0,
                "tokens": row.get("tokens") or 0,
            }
        )
    return series


def _top_models(today: date, live: dict[str, Any], limit: int = 10) -> list[dict[str, Any]]:
    first = today - timedelta(days=CHART_DAYS - 1)
    totals: dict[str, dict[str, Any]] = defaultdict(lambda: {"requests": 0, "cost": Decimal(0)})
    rows = (
        DailyRollup.objects.filter(day__gte=first, day__lt=today)
        .values("model_slug")
        .annotate(requests=Sum("requests"), cost=Sum("cost"))
    )
    for row in [*rows, *live["per_model"]]:
        totals[row["model_slug"]]["requests"] += row["requests"] or 0
        totals[row["model_slug"]]["cost"] += row["cost"] or Decimal(0)
    ranked = sorted(totals.items(), key=lambda item: item[1]["requests"], reverse=True)[:limit]
    return [{"model": slug, "requests": t["requests"], "cost": money(t["cost"])} for slug, t in ranked]


def _providers(today: date, live: dict[str, Any]) -> list[dict[str, Any]]:
    since = today - timedelta(days=LATENCY_DAYS - 1)
    names = dict(Provider.objects.values_list("pk", "name"))
    counts = (
        DailyRollup.objects.filter(day__gte=since, day__lt=today)
        .values("provider_id")
        .annotate(requests=Sum("requests"), errors=Sum("errors"))
    )
    figures: dict[Any, dict[str, int]] = {
        r["provider_id"]: {"requests": r["requests"], "errors": r["errors"]} for r in counts
    }
    for provider_id, today_figures in live["per_provider"].items():
        f = figures.setdefault(provider_id, {"requests": 0, "errors": 0})
        f["requests"] += today_figures["requests"]
        f["errors"] += today_figures["errors"]
    latency = _latency_percentiles(since, live["latency"])
    rows = []
    for provider_id, f in figures.items():
        p50, p95 = latency.get(provider_id, (None, None))
        rows.append(
            {
                "provider": names.get(provider_id, "(deleted)"),
                "requests": f["requests"],
                "error_rate": round(f["errors"] * 100 / f["requests"], 2) if f["requests"] else 0.0,
                "p50_ms": p50,
                "p95_ms": p95,
            }
        )
    return sorted(rows, key=lambda r: r["requests"], reverse=True)


def _latency_percentiles(since: date, today: dict[Any, dict[int, int]]) -> dict[Any, tuple[float | None, float | None]]:
    """p50 and p95 of call durations per provider, from the rollups' histograms of past days and today's
    (a week of the ledger sorted for exact percentiles took seconds at ten million rows)."""
    per_provider: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    past = DailyRollup.objects.filter(day__gte=since, day__lt=timezone.localdate())
    for provider_id, latency in past.values_list("provider_id", "latency"):
        for bucket, calls in (latency or {}).items():
            per_provider[provider_id][int(bucket)] += calls
    for provider_id, histogram in today.items():
        for bucket, calls in histogram.items():
            per_provider[provider_id][bucket] += calls
    return {pid: _histogram_percentiles(h) for pid, h in per_provider.items() if h}


def _histogram_percentiles(histogram: dict[int, int]) -> tuple[float, float]:
    total, seen, found = sum(histogram.values()), 0, {}
    for bucket in sorted(histogram):
        seen += histogram[bucket]
        for share in (0.5, 0.95):
            if share not in found and seen >= share * total:
                found[share] = round(bucket_ms(bucket), 1)
    return found[0.5], found[0.95]
