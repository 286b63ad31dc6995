"""Counters that survive Redis: a user's admission counters rebuilt from the ledger when Redis lost them.

Redis holds the counters admission reads (the minute's log, each quota's window, the month's spend and
holds); PostgreSQL holds the ledger. A restart without persistence, a failover or a flush empties
Redis, and without this every quota and budget would start again from zero.

Each user has a marker in Redis, set when their counters are built. A guarded admission
(usage.admission) finds it in the same atomic step that counts, so the check costs no round trip;
when it is missing, nothing is counted, this module rebuilds the user's counters from the ledger (one
indexed query), sets the marker, and admission runs again. `manage.py rebuild_counters` does it for
everyone at once.

A rebuild only ever raises a counter: each one becomes the larger of what Redis holds and what the
ledger says (the minute's log is filled only when empty). So rebuilding twice, or at the same time as
another process, or while calls settle, never lowers a count; a marker lost alone (its counters
still there) costs one query and changes nothing. What the ledger cannot know is lost with Redis:
rows queued behind responses and not yet stored, and the holds of chat calls in flight (their
settlement then releases nothing). Long-running work that holds part of a budget (video jobs) tells
the rebuild its holds through `register_open_holds`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, Sum

from config import store
from usage import limits
from usage.counters import MONTH_TTL
from usage.ledger.models import Generation
from usage.limits import BUDGET_WINDOW, KEY_MARGIN_SECONDS, QUOTAS, WINDOW_MS, built_key, counter_keys, to_nano


@dataclass
class Figures:
    """What the ledger says a user's counters should hold at one moment."""

    counts: dict[str, int] = field(default_factory=dict)  # per quota name: calls in its current window
    spent_nano: int = 0
    held_nano: int = 0
    minute: list[tuple[str, int]] = field(default_factory=list)  # (row id, ms) of the last minute's calls


# A source of holds the ledger cannot see: fn(user_ids or None for everyone, month id) -> {user: nano}.
HoldSource = Callable[[list[int] | None, str], dict[int, int]]
_hold_sources: list[HoldSource] = []


def register_open_holds(fn: HoldSource) -> HoldSource:
    if fn not in _hold_sources:
        _hold_sources.append(fn)
    return fn


def _month_start(now: datetime) -> datetime:
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def from_ledger(user_ids: list[int] | None, now: datetime) -> dict[int, Figures]:
    """Each user's figures at `now` (every user with calls in the current windows when None): one
    grouped query over the ledger's (user, created_at) index, one for the last minute."""
    starts = {q.name: q.start(now) for q in QUOTAS if q.start}
    month_start = _month_start(now)
    earliest = min([*starts.values(), month_start])
    rows = Generation.objects.filter(created_at__gte=earliest, created_at__lte=now)
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    aggregates: dict[str, Any] = {name: Count("id", filter=Q(created_at__gte=start)) for name, start in starts.items()}
    aggregates["spent"] = Sum("cost", filter=Q(created_at__gte=month_start))
    figures: dict[int, Figures] = {}
    for found in rows.values("user_id").annotate(**aggregates).order_by():
        figures[found["user_id"]] = Figures(
            counts={name: found[name] for name in starts}, spent_nano=to_nano(found["spent"])
        )
    recent = rows.filter(created_at__gt=now - timedelta(milliseconds=WINDOW_MS)).values_list(
        "user_id", "id", "created_at"
    )
    for user_id, row_id, created in recent:
        figures[user_id].minute.append((row_id.hex, int(created.timestamp() * 1000)))
    month = BUDGET_WINDOW(now)[0]
    for source in _hold_sources:
        for user_id, held in source(user_ids, month).items():
            figures.setdefault(user_id, Figures()).held_nano += held
    return figures


# KEYS: minute log, one counter per quota, spent, held, marker.
# ARGV: quota count n, window_ms, then per quota: count and seconds to live; spent and its seconds to
#       live; held and its seconds to live; then the minute's entries as score, member pairs.
_REBUILD = """
local n = tonumber(ARGV[1])
local function raise(key, value, ttl)
  if tonumber(value) > tonumber(redis.call('GET', key) or '0') then
    redis.call('SET', key, value, 'EX', ttl)
  end
end
for i = 1, n do raise(KEYS[1 + i], ARGV[1 + 2 * i], ARGV[2 + 2 * i]) end
local base = 2 + 2 * n
raise(KEYS[n + 2], ARGV[base + 1], ARGV[base + 2])
raise(KEYS[n + 3], ARGV[base + 3], ARGV[base + 4])
if #ARGV > base + 4 and redis.call('ZCARD', KEYS[1]) == 0 then
  for j = base + 5, #ARGV, 2 do redis.call('ZADD', KEYS[1], ARGV[j], ARGV[j + 1]) end
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
redis.call('SET', KEYS[n + 4], 1)
return 1
"""


def _seconds_to(end: datetime, now: datetime) -> int:
    return max(1, int((end - now).total_seconds())) + KEY_MARGIN_SECONDS


def _script_input(user_id: int, found: Figures, now: datetime) -> tuple[list[str], list[Any]]:
    keys = counter_keys(user_id, now)
    names = [keys["minute"], *(keys[q.name] for q in QUOTAS), keys["spent"], keys["held"], built_key(user_id)]
    args: list[Any] = [len(QUOTAS), WINDOW_MS]
    for quota in QUOTAS:
        args += [found.counts.get(quota.name, 0), _seconds_to(quota.window(now)[1], now)]
    args += [found.spent_nano, MONTH_TTL, found.held_nano, _seconds_to(BUDGET_WINDOW(now)[1], now)]
    for member, ms in found.minute:
        args += [ms, member]
    return names, args


def _apply_local(names: list[str], args: list[Any]) -> None:
    """The script's steps on this process's memory (no Redis)."""
    n = int(args[0])
    minute, marker = names[0], names[n + 3]
    pairs = [(names[1 + i], int(args[2 + 2 * i]), int(args[3 + 2 * i])) for i in range(n)]
    base = 2 + 2 * n
    pairs += [
        (names[n + 1], int(args[base]), int(args[base + 1])),
        (names[n + 2], int(args[base + 2]), int(args[base + 3])),
    ]
    with store.local_lock:
        for name, value, ttl in pairs:
            if value > int(store.local_get(name, 0)):
                store.local_set(name, value, ttl)
        entries = [int(ms) for ms in args[base + 4 :: 2]]
        if entries and not store.local_get(minute):
            store.local_set(minute, sorted(entries), int(args[1]) / 1000)
        store.local_set(marker, 1, 10 * 365 * 24 * 3600)


def _apply(user_id: int, found: Figures, now: datetime) -> None:
    names, args = _script_input(user_id, found, now)
    if store.uses_redis():
        store.run_script_sync("rebuild", _REBUILD, keys=names, args=args)
    else:
        _apply_local(names, args)


def rebuild_user(user_id: int) -> Figures:
    """Raise one user's counters to what the ledger says and mark them built."""
    now = limits.now()
    found = from_ledger([user_id], now).get(user_id, Figures())
    _apply(user_id, found, now)
    return found


def rebuild_all(user_ids: Iterable[int] | None = None) -> int:
    """Rebuild the counters of every user with calls in the current windows (or of `user_ids`), and
    mark every user built; returns how many users' counters were raised from the ledger."""
    now = limits.now()
    figures = from_ledger(None if user_ids is None else list(user_ids), now)
    for user_id, found in figures.items():
        _apply(user_id, found, now)
    return len(figures)
