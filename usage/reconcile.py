"""Reconciliation: per day and user, the ledger against what else claims to know the same calls.

- **ledger**: the Generation rows in PostgreSQL, the truth.
- **rollup**: the per-user rollup of a closed day (what the usage API shows for it); open days are
  read from the ledger itself, so they have nothing to compare.
- **counters**: the Redis day aggregates that settlement adds to (admission's side of the books).
- **provider-reported**: the tokens the providers reported, against the ledger's tokens; calls whose
  tokens were counted locally (the provider sent no usage) are listed as estimated, not as a difference.

A line is flagged when requests, tokens or cost differ between the ledger and the rollup or the
counters. The ledger's own rows still queued behind their responses are stored first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from config import store
from config.money import money
from usage.ledger import writer
from usage.limits import from_nano
from usage.models import ClosedDay, UsageDay
from usage.rollups import day_start, ledger_between


@dataclass(frozen=True)
class Totals:
    requests: int = 0
    tokens: int = 0
    cost: Decimal = Decimal(0)


@dataclass
class Line:
    day: date
    user_id: int
    ledger: Totals = field(default_factory=Totals)
    rollup: Totals | None = None
    counters: Totals | None = None
    provider_tokens: int = 0
    estimated: int = 0

    @property
    def differences(self) -> list[str]:
        found = []
        for name, other in (("rollup", self.rollup), ("counters", self.counters)):
            if other is None:
                continue
            for fld in ("requests", "tokens", "cost"):
                theirs, ours = getattr(other, fld), getattr(self.ledger, fld)
                if theirs != ours:
                    shown = (money(theirs), money(ours)) if fld == "cost" else (theirs, ours)
                    found.append(f"{name} {fld}: {shown[0]} vs ledger {shown[1]}")
        return found


def reconcile(*, first: date, last: date) -> list[Line]:
    """Every (day, user) with a ledger row, a rollup or a counter in [first, last], oldest first."""
    writer.drain()
    lines: dict[tuple[date, int], Line] = {}

    def line(day: date, user_id: int) -> Line:
        return lines.setdefault((day, user_id), Line(day=day, user_id=user_id))

    for row in _ledger(first, last):
        found = line(row["day"], row["user_id"])
        found.ledger = Totals(row["requests"], row["tokens"] or 0, row["cost"] or Decimal(0))
        found.provider_tokens, found.estimated = row["reported"] or 0, row["estimated"]
    closed = set(ClosedDay.objects.filter(day__gte=first, day__lte=last).values_list("day", flat=True))
    rolled = UsageDay.objects.filter(day__in=closed).values("day", "user_id").order_by()
    for row in rolled.annotate(requests=Sum("requests"), tokens=Sum("tokens"), cost=Sum("cost")):
        line(row["day"], row["user_id"]).rollup = Totals(row["requests"], row["tokens"], row["cost"])
    for day in closed:
        for key in [k for k in lines if k[0] == day and lines[k].rollup is None]:
            lines[key].rollup = Totals()
    if store.uses_redis():
        _counters(first, last, line, lines)
    return [lines[k] for k in sorted(lines)]


def _ledger(first: date, last: date) -> Any:
    rows = ledger_between(day_start(first), day_start(last + timedelta(days=1))).order_by()
    return (
        rows.annotate(day=TruncDate("created_at"))
        .values("day", "user_id")
        .annotate(
            requests=Count("id"),
            tokens=Sum("total_tokens"),
            cost=Sum("cost"),
            reported=Sum("total_tokens", filter=Q(tokens_estimated=False)),
            estimated=Count("id", filter=Q(tokens_estimated=True)),
        )
    )


def _counters(first: date, last: date, line: Any, lines: dict[tuple[date, int], Line]) -> None:
    """Read every user's day aggregate in range (SCAN per day: a few keys per active user)."""
    client = store.redis_client()
    day = first
    while day <= last:
        stamp = day.strftime("%Y%m%d")
        names = [n.decode() for n in client.scan_iter(match=store.key("agg", "u", "*", stamp), count=1000)]
        users = [int(n.split(":")[-2]) for n in names]
        for user_id, agg in zip(users, store.read_hashes(names), strict=True):
            counted = Totals(agg.get("requests", 0), agg.get("tokens", 0), from_nano(agg.get("cost", 0)))
            line(day, user_id).counters = counted
        for (d, _), found in lines.items():
            if d == day and found.counters is None:
                found.counters = Totals()  # a ledger row the counters never saw
        day += timedelta(days=1)
