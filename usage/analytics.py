"""Platform analytics for the admin page. Reads rollups for past days and the ledger only for today and
the last 7 days' latencies, through range queries the indexes serve; the result is cached for 60 s."""

from __future__ import annotations

import statistics
import time as clock
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import User
from catalog.models import Provider
from config.money import money
from usage.models import DailyRollup, GenerationStatus, UserDay
from usage.rollups import day_start, ledger_between

CACHE_KEY = "analytics:page:v1"
CACHE_SECONDS = 60
CHART_DAYS = 30
LATENCY_DAYS = 7
SAMPLE_CAP = 20_000  # SQLite computes percentiles in Python, on the newest rows only


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
    """Today comes from the ledger (one grouped pass over a small indexed range); earlier days from rollups."""
    ledger = ledger_between(day_start(today)).order_by()
    groups = list(
        ledger.values("model_slug", "provider_id").annotate(
            requests=Count("id"), errors=Count("id", filter=_errors()), tokens=Sum("total_tokens"), cost=Sum("cost")
        )
    )
    per_provider: dict[Any, dict[str, int]] = defaultdict(lambda: {"requests": 0, "errors": 0})
    for g in groups:
        per_provider[g["provider_id"]]["requests"] += g["requests"]
        per_provider[g["provider_id"]]["errors"] += g["errors"]
    return {
        "requests": sum(g["requests"] for g in groups),
        "tokens": sum(g["tokens"] or 0 for g in groups),
        "cost": sum((g["cost"] or Decimal(0) for g in groups), Decimal(0)),
        "per_model": groups,
        "per_provider": dict(per_provider),
        "user_ids": set(ledger.values_list("user_id", flat=True).distinct()),
    }


def _errors() -> Q:
    return ~Q(status=GenerationStatus.SUCCESS)


def _users(today: date, active_today: set[int]) -> dict[str, Any]:
    month_start = today.replace(day=1)
    total = User.objects.count()
    new = User.objects.filter(created_at__gte=day_start(month_start)).count()
    before = total - new

    def active(days: int) -> int:
        since = today - timedelta(days=days - 1)
        ids = set(UserDay.objects.filter(day__gte=since, day__lt=today).values_list("user_id", flat=True).distinct())
        return len(ids | active_today)

    return {
        "total": total,
        "active_7d": active(7),
        "active_30d": active(30),
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
    latency = _latency_percentiles(day_start(since))
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


def _latency_percentiles(since: Any) -> dict[Any, tuple[float | None, float | None]]:
    if connection.vendor == "postgresql":
        return _latency_postgres(since)
    return _latency_sample(since)


def _latency_postgres(since: Any) -> dict[Any, tuple[float | None, float | None]]:
    sql = """
        SELECT provider_id,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms)
        FROM playground_generation
        WHERE status = ANY(%s) AND created_at >= %s AND duration_ms IS NOT NULL
        GROUP BY provider_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(GenerationStatus.values), since])
        return {pid: (round(p50, 1), round(p95, 1)) for pid, p50, p95 in cursor.fetchall()}


def _latency_sample(since: Any) -> dict[Any, tuple[float | None, float | None]]:
    rows = (
        ledger_between(since)
        .filter(duration_ms__isnull=False)
        .order_by("-created_at")
        .values_list("provider_id", "duration_ms")[:SAMPLE_CAP]
    )
    by_provider: dict[Any, list[int]] = defaultdict(list)
    for provider_id, duration in rows:
        by_provider[provider_id].append(duration)
    return {pid: _percentiles(values) for pid, values in by_provider.items()}


def _percentiles(values: list[int]) -> tuple[float, float]:
    if len(values) == 1:
        return float(values[0]), float(values[0])
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return round(cuts[49], 1), round(cuts[94], 1)
