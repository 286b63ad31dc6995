"""Usage reads, from PostgreSQL: closed days from the per-user rollups (usage.rollups), every other day
(today, and any day not closed yet) from the ledger in one query on the (user, created_at) index.

The Redis counters serve admission only; the one figure read from them here is the budget's
`reserved`, the holds of calls still running, which only admission knows.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.models import AIModel, ModelKind
from config.money import money
from usage import counters, limits
from usage.limits import from_nano
from usage.models import Generation, GenerationStatus, UsageDay
from usage.rollups import closed_days, day_start
from usage.settings_store import tier_limits

MAX_RANGE_DAYS = 366


@dataclass
class Figures:
    requests: int = 0
    errors: int = 0
    tokens: int = 0
    cost: Decimal = field(default_factory=Decimal)

    def add(self, other: "Figures") -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.tokens += other.tokens
        self.cost += other.cost


Days = dict[date, dict[str, Figures]]  # day -> model slug -> figures
Cell = tuple[date, str, str]  # (day, model slug, door)


def _figures(row: dict[str, Any]) -> Figures:
    return Figures(row["requests"], row["errors"], row["tokens"] or 0, row["cost"] or Decimal(0))


@dataclass
class UserUsage:
    """One user's figures per day, model and door over [first, last], read once: closed days from the
    per-user rollups, every other day from the ledger in one grouped query. The summary, the spend by
    door and the quota block are all sums of these cells, so a page that shows all three reads the
    ledger's open days once, not once for each."""

    first: date
    last: date
    cells: dict[Cell, Figures]

    @classmethod
    def read(cls, *, user_id: int, first: date, last: date) -> "UserUsage":
        closed = closed_days(first, last)
        cells: dict[Cell, Figures] = {}
        rolled = UsageDay.objects.filter(user_id=user_id, day__gte=first, day__lte=last, day__in=closed)
        for row in rolled.values("day", "model_slug", "door", "requests", "errors", "tokens", "cost"):
            cells.setdefault((row["day"], row["model_slug"], row["door"]), Figures()).add(_figures(row))
        open_days = [d for d in (first + timedelta(days=i) for i in range((last - first).days + 1)) if d not in closed]
        if open_days:
            for row in _ledger_cells(user_id, open_days[0], open_days[-1]):
                if row["day"] not in closed:
                    cells[(row["day"], row["model_slug"], row["door"])] = _figures(row)
        return cls(first, last, cells)

    def covers(self, first: date, last: date) -> bool:
        return self.first <= first and last <= self.last

    def days(self, first: date, last: date, model: str | None = None) -> Days:
        days: Days = {}
        for (day, slug, _door), figures in self.cells.items():
            if first <= day <= last and (model is None or slug == model):
                days.setdefault(day, {}).setdefault(slug, Figures()).add(figures)
        return days

    def doors(self, first: date, last: date) -> dict[str, Figures]:
        totals: dict[str, Figures] = {}
        for (day, _slug, door), figures in self.cells.items():
            if first <= day <= last:
                totals.setdefault(door, Figures()).add(figures)
        return totals


def _ledger_cells(user_id: int, first: date, last: date) -> Any:
    rows = Generation.objects.filter(
        user_id=user_id, created_at__gte=day_start(first), created_at__lt=day_start(last + timedelta(days=1))
    )
    return (
        rows.order_by()
        .annotate(day=TruncDate("created_at"))
        .values("day", "model_slug", "door")
        .annotate(
            requests=Count("id"),
            errors=Count("id", filter=~Q(status=GenerationStatus.SUCCESS)),
            tokens=Sum("total_tokens"),
            cost=Sum("cost"),
        )
    )


def user_days(*, user_id: int, first: date, last: date, model: str | None = None) -> Days:
    """One user's figures per day and model over [first, last]: every call the ledger holds, whatever
    became of its conversation."""
    return UserUsage.read(user_id=user_id, first=first, last=last).days(first, last, model)


def door_totals(*, user_id: int, first: date, last: date) -> dict[str, Figures]:
    """One user's figures per door (every model) over [first, last]: where the spend came in."""
    return UserUsage.read(user_id=user_id, first=first, last=last).doors(first, last)


def ledger_total(*, user_id: int, model: str | None = None) -> int:
    """How many ledger rows a user has (of one model): the usage figures from the oldest row on, which
    agree with the ledger row for row (reconcile_usage checks it); two index lookups and a few
    hundred rollup rows, where a count walks every row."""
    rows = Generation.objects.filter(user_id=user_id, **({"model_slug": model} if model else {}))
    oldest = rows.order_by("created_at").values_list("created_at", flat=True).first()
    if oldest is None:
        return 0
    days = user_days(user_id=user_id, first=timezone.localtime(oldest).date(), last=timezone.localdate(), model=model)
    return sum(f.requests for models in days.values() for f in models.values())


def _limit(value: Any) -> int | None:
    return None if value is None else int(value)


def window_start(quota: limits.Quota, now: datetime) -> date:
    """The first day of the calendar window `now` falls in (windows are whole days, in UTC)."""
    window_id = quota.window(now)[0]
    day = now.date()
    while quota.window(datetime.combine(day - timedelta(days=1), datetime.min.time(), now.tzinfo))[0] == window_id:
        day -= timedelta(days=1)
    return day


def quota_days(now: datetime) -> tuple[date, date]:
    """The days the quota block reads: from the earliest window's (or the month's) first day to today."""
    starts = [window_start(q, now) for q in limits.QUOTAS]
    return min([now.date().replace(day=1), *starts]), now.date()


def quota_block(user: Any, usage: UserUsage | None = None) -> dict[str, Any]:
    """`{per_minute, <each quota>: {used, limit}, budget: {...}}`; a null limit means unlimited. `usage`,
    when it covers the quota's days, is summed instead of read again."""
    tier = tier_limits(user.tier)
    now = limits.now()
    starts = {q.name: window_start(q, now) for q in limits.QUOTAS}
    month_start = now.date().replace(day=1)
    first, last = quota_days(now)
    if usage is None or not usage.covers(first, last):
        usage = UserUsage.read(user_id=user.pk, first=first, last=last)
    days = usage.days(first, last)

    def total(since: date) -> Figures:
        sum_ = Figures()
        for day, models in days.items():
            if day >= since:
                for figures in models.values():
                    sum_.add(figures)
        return sum_

    budget = user.monthly_budget_usd if user.monthly_budget_usd is not None else tier["monthly_budget_usd"]
    block: dict[str, Any] = {"per_minute": {"limit": _limit(tier.get("per_minute"))}}
    for quota in limits.QUOTAS:
        block[quota.name] = {"used": total(starts[quota.name]).requests, "limit": _limit(tier.get(quota.name))}
    block["budget"] = {
        "used": money(total(month_start).cost),
        "reserved": money(from_nano(counters.quota_used(user_id=user.pk)["held"])),
        "limit": money(None if budget is None else Decimal(budget)),
        "currency": "USD",
    }
    return block


def summary_days(end: date | None = None) -> tuple[date, date]:
    """The summary's default range: the last 30 days."""
    end = end or timezone.now().date()
    return end - timedelta(days=29), end


def usage_summary(
    *, user: Any, start: date | None, end: date | None, model: str | None, usage: UserUsage | None = None
) -> dict[str, Any]:
    """Totals, per model and per day over [start, end] (default: the last 30 days). `usage`, when it
    covers the range, is summed instead of read again."""
    end = end or timezone.now().date()
    start = start or summary_days(end)[0]
    if usage is None or not usage.covers(start, end):
        usage = UserUsage.read(user_id=user.pk, first=start, last=end)
    days = usage.days(start, end, model)
    by_model: dict[str, Figures] = {}
    by_date = []
    for day in sorted(days):
        row = Figures()
        for slug, figures in days[day].items():
            by_model.setdefault(slug, Figures()).add(figures)
            row.add(figures)
        if row.requests:
            by_date.append({"date": day.isoformat(), **_shown(row)})
    totals = Figures()
    for figures in by_model.values():
        totals.add(figures)
    return {
        "by_kind": _by_kind(by_model),
        "total_requests": totals.requests,
        "total_tokens": totals.tokens,
        "total_cost": money(totals.cost),
        "by_model": {slug: _shown(m) for slug, m in sorted(by_model.items())},
        "by_date": by_date,
        # Every model's calls, whatever the model filter: where the spend came in.
        "by_door": {door: _shown(f) for door, f in sorted(usage.doors(start, end).items())},
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
    }


def _shown(figures: Figures) -> dict[str, Any]:
    return {"requests": figures.requests, "tokens": figures.tokens, "cost": money(figures.cost)}


def _by_kind(by_model: dict[str, Figures]) -> dict[str, dict[str, Any]]:
    """The per-model figures summed by the model's kind (chat, embedding, image, video); a model since
    removed from the catalog is counted under "other", so the kinds always add up to the total."""
    kinds = dict(AIModel.objects.filter(slug__in=list(by_model)).values_list("slug", "kind")) if by_model else {}
    sums = {kind: Figures() for kind in ModelKind.values}
    for slug, figures in by_model.items():
        sums.setdefault(kinds.get(slug, "other"), Figures()).add(figures)
    return {kind: _shown(row) for kind, row in sums.items()}
