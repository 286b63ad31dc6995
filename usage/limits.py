"""Admission: per-minute rate limit, daily/weekly/monthly quotas and a monthly spend budget.

All checks and all increments happen in one atomic step (a Lua script in Redis), so a request is
either admitted and counted everywhere, or refused and counted nowhere.

- Requests per minute: a **sliding-window log** (a sorted set of admission times per user). Unlike
  a fixed window it never admits 2x the limit across a minute boundary, and unlike a token bucket
  it is exact for "N in any 60 seconds", which is what the tier table promises.
- Quotas: calendar windows in UTC (day, ISO week, month), counters that expire with their window.
- Budget: money in nano-dollars (integers, exact in Lua). Admission reserves the most the call can
  cost (`held`); settlement releases the hold and adds the real cost to `spent`.
"""

import math
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from config import store

NANO = Decimal("1000000000")
WINDOW_MS = 60_000
UNLIMITED = -1


def to_nano(amount: Decimal | None, *, round_up: bool = False) -> int:
    if amount is None:
        return 0
    return int((amount * NANO).to_integral_value(ROUND_CEILING if round_up else ROUND_HALF_UP))


def from_nano(amount: int) -> Decimal:
    return (Decimal(amount) / NANO).quantize(Decimal("0.00000001"))


@dataclass(frozen=True)
class Limits:
    per_minute: int  # UNLIMITED (-1) or a count
    daily: int
    weekly: int
    monthly: int
    budget_nano: int


@dataclass(frozen=True)
class Windows:
    """The calendar windows a moment falls in, and how long their counters must live."""

    day: str
    week: str
    month: str
    day_ttl: int
    week_ttl: int
    month_ttl: int

    @classmethod
    def at(cls, now: datetime) -> "Windows":
        day_start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        next_day = day_start + timedelta(days=1)
        next_week = day_start + timedelta(days=7 - now.weekday())
        next_month = (day_start.replace(day=1) + timedelta(days=32)).replace(day=1)
        iso = now.isocalendar()
        margin = 3600  # read after the window ends (e.g. the usage page at 23:59:59) still works

        def ttl(end: datetime) -> int:
            return int((end - now).total_seconds()) + margin

        return cls(
            day=now.strftime("%Y%m%d"),
            week=f"{iso.year}W{iso.week:02d}",
            month=now.strftime("%Y%m"),
            day_ttl=ttl(next_day),
            week_ttl=ttl(next_week),
            month_ttl=ttl(next_month),
        )


def counter_keys(user_id: int, windows: Windows) -> dict[str, str]:
    return {
        "minute": store.key("rpm", user_id),
        "daily": store.key("q", user_id, "d", windows.day),
        "weekly": store.key("q", user_id, "w", windows.week),
        "monthly": store.key("q", user_id, "m", windows.month),
        "spent": store.key("spent", user_id, windows.month),
        "held": store.key("held", user_id, windows.month),
    }


@dataclass
class Admission:
    allowed: bool
    reason: str = ""  # "", "rate", "daily", "weekly", "monthly" or "budget"
    retry_after: float = 0.0
    limit: int = UNLIMITED  # the per-minute figures, for the X-RateLimit-* headers
    remaining: int = UNLIMITED
    reset_at: float = 0.0
    used: dict[str, int] = field(default_factory=dict)  # counts after this admission
    ticket: "Ticket | None" = None


@dataclass(frozen=True)
class Ticket:
    """What settlement needs to undo or complete an admission, even across a window boundary."""

    user_id: int
    month: str
    day: str
    reserved_nano: int


_ADMIT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local per_minute = tonumber(ARGV[3])
local budget = tonumber(ARGV[7])
local reserve = tonumber(ARGV[8])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local in_window = redis.call('ZCARD', KEYS[1])
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local oldest_ms = now
if oldest[2] then oldest_ms = tonumber(oldest[2]) end
if per_minute >= 0 and in_window >= per_minute then
  return {1, oldest_ms + window - now, in_window, oldest_ms}
end
local counts = {}
for i = 2, 4 do
  counts[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  local limit = tonumber(ARGV[i + 2])
  if limit >= 0 and counts[i] >= limit then
    return {i, redis.call('PTTL', KEYS[i]), in_window, oldest_ms}
  end
end
local spent = tonumber(redis.call('GET', KEYS[5]) or '0')
local held = tonumber(redis.call('GET', KEYS[6]) or '0')
if budget >= 0 and (spent >= budget or spent + held + reserve > budget) then
  return {5, redis.call('PTTL', KEYS[5]), in_window, oldest_ms}
end
redis.call('ZADD', KEYS[1], now, ARGV[9])
redis.call('PEXPIRE', KEYS[1], window)
local ttls = {0, tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])}
for i = 2, 4 do
  counts[i] = redis.call('INCR', KEYS[i])
  if counts[i] == 1 then redis.call('EXPIRE', KEYS[i], ttls[i]) end
end
if reserve > 0 then
  held = redis.call('INCRBY', KEYS[6], reserve)
  redis.call('EXPIRE', KEYS[6], ttls[4])
end
if oldest[2] == nil then oldest_ms = now end
return {0, 0, in_window + 1, oldest_ms, counts[2], counts[3], counts[4], spent, held}
"""

_REASONS = {1: "rate", 2: "daily", 3: "weekly", 4: "monthly", 5: "budget"}


def _now() -> tuple[float, datetime]:
    stamp = time.time()
    return stamp, datetime.fromtimestamp(stamp, tz=UTC)


def admit(*, user_id: int, limits: Limits, reserve_nano: int = 0) -> Admission:
    """Check every limit and, only if all pass, count the request and hold the reservation."""
    stamp, now = _now()
    windows = Windows.at(now)
    keys = counter_keys(user_id, windows)
    if store.uses_redis():
        args = _admit_args(limits, windows, stamp, reserve_nano)
        raw = store.run_script_sync("admit", _ADMIT, keys=list(keys.values()), args=args)
    else:
        raw = _admit_local(keys, limits, windows, stamp, reserve_nano)
    return _admission([int(x) for x in raw], user_id, limits, windows, stamp, reserve_nano)


async def admit_async(*, user_id: int, limits: Limits, reserve_nano: int = 0) -> Admission:
    """`admit` from the event loop: the same script, without a thread hop."""
    stamp, now = _now()
    windows = Windows.at(now)
    keys = counter_keys(user_id, windows)
    if store.uses_redis():
        args = _admit_args(limits, windows, stamp, reserve_nano)
        raw = await store.run_script("admit", _ADMIT, keys=list(keys.values()), args=args)
    else:  # the in-process fallback is memory only, so it may run on the loop
        raw = _admit_local(keys, limits, windows, stamp, reserve_nano)
    return _admission([int(x) for x in raw], user_id, limits, windows, stamp, reserve_nano)


def _admit_args(limits: Limits, windows: Windows, stamp: float, reserve: int) -> list[int | str]:
    return [
        int(stamp * 1000),
        WINDOW_MS,
        limits.per_minute,
        limits.daily,
        limits.weekly,
        limits.monthly,
        limits.budget_nano,
        reserve,
        uuid.uuid4().hex,
        windows.day_ttl,
        windows.week_ttl,
        windows.month_ttl,
    ]


def _admit_local(keys: dict[str, str], limits: Limits, windows: Windows, stamp: float, reserve: int) -> list[int]:
    """The same algorithm as the Lua script, for one process without Redis."""
    now = int(stamp * 1000)
    with store.local_lock:
        log = [t for t in store.local_get(keys["minute"], []) if t > now - WINDOW_MS]
        oldest = log[0] if log else now
        if 0 <= limits.per_minute <= len(log):
            return [1, oldest + WINDOW_MS - now, len(log), oldest]
        quota_limits = [limits.daily, limits.weekly, limits.monthly]
        names = ["daily", "weekly", "monthly"]
        ttls = [windows.day_ttl, windows.week_ttl, windows.month_ttl]
        counts = [store.local_get(keys[n], 0) for n in names]
        for i, (count, limit) in enumerate(zip(counts, quota_limits, strict=True)):
            if 0 <= limit <= count:
                return [i + 2, ttls[i] * 1000, len(log), oldest]
        spent, held = store.local_get(keys["spent"], 0), store.local_get(keys["held"], 0)
        if limits.budget_nano >= 0 and (spent >= limits.budget_nano or spent + held + reserve > limits.budget_nano):
            return [5, windows.month_ttl * 1000, len(log), oldest]
        log.append(now)
        store.local_set(keys["minute"], log, WINDOW_MS / 1000)
        counts = [c + 1 for c in counts]
        for name, count, ttl in zip(names, counts, ttls, strict=True):
            store.local_set(keys[name], count, ttl)
        if reserve:
            held += reserve
            store.local_set(keys["held"], held, windows.month_ttl)
        return [0, 0, len(log), oldest, *counts, spent, held]


def _admission(raw: list[int], user_id: int, limits: Limits, windows: Windows, stamp: float, reserve: int) -> Admission:
    code, wait_ms, in_window, oldest_ms = raw[:4]
    limit = limits.per_minute
    remaining = max(0, limit - in_window) if limit >= 0 else UNLIMITED
    reset_at = (oldest_ms + WINDOW_MS) / 1000 if in_window else stamp
    if code:
        return Admission(
            allowed=False,
            reason=_REASONS[code],
            retry_after=max(1.0, math.ceil(max(wait_ms, 0) / 1000)),
            limit=limit,
            remaining=remaining,
            reset_at=reset_at,
        )
    daily, weekly, monthly, spent, held = raw[4:9]
    return Admission(
        allowed=True,
        limit=limit,
        remaining=remaining,
        reset_at=reset_at,
        used={"daily": daily, "weekly": weekly, "monthly": monthly, "spent": spent, "held": held},
        ticket=Ticket(user_id=user_id, month=windows.month, day=windows.day, reserved_nano=reserve),
    )


def peek(*, user_id: int, limits: Limits) -> Admission:
    """The per-minute figures without counting a request (for headers on refused calls)."""
    stamp, now = _now()
    name = counter_keys(user_id, Windows.at(now))["minute"]
    cutoff = int(stamp * 1000) - WINDOW_MS
    if store.uses_redis():
        entries = [int(score) for _, score in store.redis_client().zrangebyscore(name, cutoff, "+inf", withscores=True)]
    else:
        entries = [t for t in store.local_get(name, []) if t > cutoff]
    limit = limits.per_minute
    remaining = max(0, limit - len(entries)) if limit >= 0 else UNLIMITED
    reset_at = (entries[0] + WINDOW_MS) / 1000 if entries else stamp
    return Admission(allowed=remaining != 0, limit=limit, remaining=remaining, reset_at=reset_at)
