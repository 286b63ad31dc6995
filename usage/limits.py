"""The limiter: per-minute rate limit, request quotas over calendar windows and a monthly spend budget.

All checks and all increments happen in one atomic step, so a request is either admitted and counted
everywhere, or refused and counted nowhere. With Redis that step is a Lua script; without it (the
embedded default, one web process) the same algorithm runs in Python under a process-wide lock.
Both read the same inputs, built from `QUOTAS` below, and give the same answers (a test runs one
table of cases against both).

- Requests per minute: a **sliding-window log** (a sorted set of admission times per caller). Unlike
  a fixed window it never admits 2x the limit across a minute boundary, and unlike a token bucket it
  is exact for "N in any 60 seconds", which is what the tier table promises.
- Quotas: calendar windows in UTC (`QUOTAS`), counters that expire with their window.
- Budget: money in nano-dollars (integers, exact in Lua). Admission reserves the most the call can
  cost (`held`); settlement releases the hold and adds the real cost to `spent`. A chat call's hold
  has a fixed part (its prompt, bounded from above) and an output part (`OutputHold`): admission holds
  as many output tokens as what is left of the budget affords, up to what was asked for, and the call
  is sent with that many (`Admission.max_tokens`). So concurrent calls together never hold more than
  the budget, and a nearly spent budget still answers, more briefly, instead of refusing.
"""

import math
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from typing import Any

from config import store

NANO = Decimal("1000000000")
WINDOW_MS = 60_000
UNLIMITED = -1
KEY_MARGIN_SECONDS = 3600  # counters outlive their window a little: a read at 23:59:59 still finds them


def _day_start(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def _day(now: datetime) -> tuple[str, datetime]:
    return now.strftime("%Y%m%d"), _day_start(now) + timedelta(days=1)


def _week(now: datetime) -> tuple[str, datetime]:
    iso = now.isocalendar()
    return f"{iso.year}W{iso.week:02d}", _day_start(now) + timedelta(days=7 - now.weekday())


def _month(now: datetime) -> tuple[str, datetime]:
    return now.strftime("%Y%m"), (_day_start(now).replace(day=1) + timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class Quota:
    """A request quota over a calendar window: its name is the tier limit's key and the refusal's word."""

    name: str
    key: str  # its part of the counter's key, e.g. q:<user>:d:<window>
    window: Callable[[datetime], tuple[str, datetime]]  # the window a moment falls in: its id and its end
    # Where that window starts, to count its calls in the ledger when Redis lost the counter (None:
    # the counter starts again from zero).
    start: Callable[[datetime], datetime] | None = None


# Every request quota, in the order they are checked. A new kind is one line here and one limit per
# tier in the `tier_limits` setting (usage.settings_store).
QUOTAS: tuple[Quota, ...] = (
    Quota("daily", "d", _day, _day_start),
    Quota("weekly", "w", _week, lambda now: _day_start(now) - timedelta(days=now.weekday())),
    Quota("monthly", "m", _month, lambda now: _day_start(now).replace(day=1)),
)
BUDGET_WINDOW = _month  # the spend budget is monthly; settlement keys follow this window


def to_nano(amount: Decimal | None, *, round_up: bool = False) -> int:
    if amount is None:
        return 0
    return int((amount * NANO).to_integral_value(ROUND_CEILING if round_up else ROUND_HALF_UP))


def from_nano(amount: int) -> Decimal:
    return (Decimal(amount) / NANO).quantize(Decimal("0.00000001"))


@dataclass(frozen=True)
class Limits:
    per_minute: int  # UNLIMITED (-1) or a count
    quotas: Mapping[str, int]  # QUOTAS name -> limit; a missing name is unlimited
    budget_nano: int

    def quota(self, name: str) -> int:
        return self.quotas.get(name, UNLIMITED)


def rate_only(per_minute: int) -> Limits:
    """Only a per-minute limit (the coarse limit of API calls that do not generate)."""
    return Limits(per_minute=per_minute, quotas={}, budget_nano=UNLIMITED)


def month_of(now: datetime) -> str:
    return BUDGET_WINDOW(now)[0]


def day_of(now: datetime) -> str:
    return _day(now)[0]


def _counter_keys(owner: object, spans: list[tuple[str, datetime]], month: str) -> dict[str, str]:
    keys = {"minute": store.key("rpm", owner)}
    keys |= {q.name: store.key("q", owner, q.key, span[0]) for q, span in zip(QUOTAS, spans, strict=True)}
    return keys | {"spent": store.key("spent", owner, month), "held": store.key("held", owner, month)}


def counter_keys(owner: object, now: datetime) -> dict[str, str]:
    """The caller's counters at `now`: the minute log, one per quota, the month's spend and holds."""
    return _counter_keys(owner, [q.window(now) for q in QUOTAS], month_of(now))


def spend_keys(owner: object, month: str) -> tuple[str, str]:
    """(held, spent) of one month: settlement completes an admission in the month it was made."""
    return store.key("held", owner, month), store.key("spent", owner, month)


@dataclass(frozen=True)
class OutputHold:
    """The output part of a chat call's hold: what one output token can cost (nano-dollars, rounded
    up, on the dearest model that may answer) and how many tokens the caller asked for at most."""

    per_token_nano: int
    max_tokens: int


@dataclass(frozen=True)
class Ticket:
    """What settlement needs to undo or complete an admission, even across a window boundary."""

    user_id: int
    month: str
    day: str
    reserved_nano: int


@dataclass
class Admission:
    allowed: bool
    reason: str = ""  # "", "rate", a quota's name, "budget", or LOST (the counters must be rebuilt first)
    retry_after: float = 0.0
    limit: int = UNLIMITED  # the per-minute figures, for the X-RateLimit-* headers
    remaining: int = UNLIMITED
    reset_at: float = 0.0
    used: dict[str, int] = field(default_factory=dict)  # counts after this admission, and spent/held
    ticket: Ticket | None = None
    max_tokens: int | None = None  # with an OutputHold: the output tokens held, which the call may use


# KEYS: minute log, one counter per quota, spent, held[, the user's "counters built" marker].
# ARGV: now_ms, window_ms, per_minute, budget, reserve, member, ms until the budget's month ends,
#       the counters' margin (s), the cost of one output token and the output tokens asked for (both
#       0 without an OutputHold), then per quota: its limit and ms until its window ends.
# A counter expires at its window's end plus the margin.
# Returns {code, wait_ms, in_window, oldest_ms[, count per quota..., spent, held, reserved, tokens]};
# code 0 admits, 1 is the rate limit, 1 + i the i-th quota, quota count + 2 the budget, -1 that the
# marker is missing: Redis lost this user's counters, and nothing was counted.
_ADMIT = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local per_minute = tonumber(ARGV[3])
local budget = tonumber(ARGV[4])
local reserve = tonumber(ARGV[5])
local margin = tonumber(ARGV[8])
local per_token = tonumber(ARGV[9])
local tokens = tonumber(ARGV[10])
local n = (#ARGV - 10) / 2
if #KEYS > n + 3 and redis.call('EXISTS', KEYS[n + 4]) == 0 then return {-1, 0, 0, 0} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local in_window = redis.call('ZCARD', KEYS[1])
local oldest_ms = now
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then oldest_ms = tonumber(oldest[2]) end
if per_minute >= 0 and in_window >= per_minute then
  return {1, oldest_ms + window - now, in_window, oldest_ms}
end
local counts = {}
for i = 1, n do
  counts[i] = tonumber(redis.call('GET', KEYS[1 + i]) or '0')
  local limit = tonumber(ARGV[9 + 2 * i])
  if limit >= 0 and counts[i] >= limit then
    return {1 + i, tonumber(ARGV[10 + 2 * i]), in_window, oldest_ms}
  end
end
local spent = tonumber(redis.call('GET', KEYS[n + 2]) or '0')
local held = tonumber(redis.call('GET', KEYS[n + 3]) or '0')
if per_token > 0 then
  if budget >= 0 then
    local afford = math.floor((budget - spent - held - reserve) / per_token)
    if afford < tokens then tokens = afford end
  end
  if tokens < 0 then tokens = 0 end
  reserve = reserve + tokens * per_token
end
if budget >= 0 and (spent >= budget or (per_token > 0 and tokens < 1) or spent + held + reserve > budget) then
  return {n + 2, tonumber(ARGV[7]), in_window, oldest_ms}
end
redis.call('ZADD', KEYS[1], now, ARGV[6])
redis.call('PEXPIRE', KEYS[1], window)
local result = {0, 0, in_window + 1, oldest_ms}
for i = 1, n do
  counts[i] = redis.call('INCR', KEYS[1 + i])
  if counts[i] == 1 then redis.call('EXPIRE', KEYS[1 + i], math.floor(tonumber(ARGV[10 + 2 * i]) / 1000) + margin) end
  result[4 + i] = counts[i]
end
if reserve > 0 then
  held = redis.call('INCRBY', KEYS[n + 3], reserve)
  redis.call('EXPIRE', KEYS[n + 3], math.floor(tonumber(ARGV[7]) / 1000) + margin)
end
result[n + 5] = spent
result[n + 6] = held
result[n + 7] = reserve
result[n + 8] = tokens
return result
"""


def _admit_local(keys: list[str], args: list[Any]) -> list[int]:
    """The Lua script's algorithm, step for step, on this process's memory (no Redis)."""
    now, window, per_minute, budget, reserve = (int(a) for a in args[:5])
    budget_wait, margin, per_token, tokens = int(args[6]), int(args[7]), int(args[8]), int(args[9])
    n = (len(args) - 10) // 2
    quota_args = [(int(args[10 + 2 * i]), int(args[11 + 2 * i])) for i in range(n)]  # (limit, wait)
    minute, quota_keys, spent_key, held_key = keys[0], keys[1 : n + 1], keys[n + 1], keys[n + 2]
    with store.local_lock:
        if len(keys) > n + 3 and store.local_get(keys[n + 3]) is None:
            return [-1, 0, 0, 0]
        log = [t for t in store.local_get(minute, []) if t > now - window]
        oldest = log[0] if log else now
        if 0 <= per_minute <= len(log):
            return [1, oldest + window - now, len(log), oldest]
        counts = [store.local_get(key, 0) for key in quota_keys]
        for i, (count, (limit, wait)) in enumerate(zip(counts, quota_args, strict=True)):
            if 0 <= limit <= count:
                return [2 + i, wait, len(log), oldest]
        spent, held = store.local_get(spent_key, 0), store.local_get(held_key, 0)
        if per_token > 0:
            if budget >= 0:
                tokens = min(tokens, (budget - spent - held - reserve) // per_token)
            tokens = max(tokens, 0)
            reserve += tokens * per_token
        if budget >= 0 and (spent >= budget or (per_token > 0 and tokens < 1) or spent + held + reserve > budget):
            return [n + 2, budget_wait, len(log), oldest]
        store.local_set(minute, [*log, now], window / 1000)
        counts = [count + 1 for count in counts]
        for key, count, (_, wait) in zip(quota_keys, counts, quota_args, strict=True):
            store.local_set(key, count, wait // 1000 + margin)
        if reserve:
            held += reserve
            store.local_set(held_key, held, budget_wait // 1000 + margin)
        return [0, 0, len(log) + 1, oldest, *counts, spent, held, reserve, tokens]


clock: Callable[[], float] = time.time  # the limiter's time (a test sets it to walk through windows)


def _now() -> tuple[float, datetime]:
    stamp = clock()
    return stamp, datetime.fromtimestamp(stamp, tz=UTC)


def now() -> datetime:
    """The moment whose windows the counters are read in."""
    return _now()[1]


@dataclass(frozen=True)
class _Step:
    """One admission's input: the script's keys and arguments, and the ticket it will hand out."""

    keys: list[str]
    args: list[Any]
    ticket: Ticket


LOST = "lost"


def built_key(owner: object) -> str:
    """Set once a user's counters are known to hold everything the ledger does (usage.rebuild)."""
    return store.key("built", owner)


def _step(
    owner: Any, limits: Limits, stamp: float, now: datetime, reserve: int, output: OutputHold | None, guarded: bool
) -> _Step:
    # Each window is worked out once: this runs on every metered call.
    spans = [q.window(now) for q in QUOTAS]
    month, month_end = BUDGET_WINDOW(now)
    keys = _counter_keys(owner, spans, month)

    def until(end: datetime) -> int:
        return max(0, int((end - now).total_seconds() * 1000))

    args: list[Any] = [int(stamp * 1000), WINDOW_MS, limits.per_minute, limits.budget_nano, reserve, uuid.uuid4().hex]
    args += [until(month_end), KEY_MARGIN_SECONDS]
    args += [output.per_token_nano, output.max_tokens] if output else [0, 0]
    for quota, (_, end) in zip(QUOTAS, spans, strict=True):
        args += [limits.quota(quota.name), until(end)]
    ordered = [keys["minute"], *(keys[q.name] for q in QUOTAS), keys["spent"], keys["held"]]
    if guarded:
        ordered.append(built_key(owner))
    return _Step(ordered, args, Ticket(user_id=owner, month=month, day=day_of(now), reserved_nano=reserve))


def _reason(code: int) -> str:
    if code < 0:
        return LOST
    if code == 1:
        return "rate"
    if code <= len(QUOTAS) + 1:
        return QUOTAS[code - 2].name
    return "budget"


def _admission(raw: list[int], step: _Step, limits: Limits, stamp: float) -> Admission:
    code, wait_ms, in_window, oldest_ms = raw[:4]
    limit = limits.per_minute
    remaining = max(0, limit - in_window) if limit >= 0 else UNLIMITED
    reset_at = (oldest_ms + WINDOW_MS) / 1000 if in_window else stamp
    figures = {"limit": limit, "remaining": remaining, "reset_at": reset_at}
    if code:
        retry = max(1.0, math.ceil(max(wait_ms, 0) / 1000))
        return Admission(allowed=False, reason=_reason(code), retry_after=retry, **figures)
    n = len(QUOTAS)
    used = {q.name: count for q, count in zip(QUOTAS, raw[4 : 4 + n], strict=True)}
    used |= {"spent": raw[4 + n], "held": raw[5 + n]}
    reserved, tokens = raw[6 + n], raw[7 + n]
    held = step.ticket  # with the output tokens the budget afforded (built directly: replace() inspects fields)
    ticket = Ticket(user_id=held.user_id, month=held.month, day=held.day, reserved_nano=reserved)
    return Admission(allowed=True, used=used, ticket=ticket, max_tokens=tokens if step.args[8] else None, **figures)


def admit(
    *, user_id: Any, limits: Limits, reserve_nano: int = 0, output: OutputHold | None = None, guarded: bool = False
) -> Admission:
    """Check every limit and, only if all pass, count the request and hold the reservation (plus the
    output tokens the budget affords, with `output`). `guarded`: refuse with reason LOST, counting
    nothing, when the user's counters are not known to be built (see usage.rebuild)."""
    stamp, now = _now()
    step = _step(user_id, limits, stamp, now, reserve_nano, output, guarded)
    if store.uses_redis():
        raw = store.run_script_sync("admit", _ADMIT, keys=step.keys, args=step.args)
    else:
        raw = _admit_local(step.keys, step.args)
    return _admission([int(x) for x in raw], step, limits, stamp)


async def admit_async(
    *, user_id: Any, limits: Limits, reserve_nano: int = 0, output: OutputHold | None = None, guarded: bool = False
) -> Admission:
    """`admit` from the event loop: the same script, without a thread hop."""
    stamp, now = _now()
    step = _step(user_id, limits, stamp, now, reserve_nano, output, guarded)
    if store.uses_redis():
        raw = await store.run_script("admit", _ADMIT, keys=step.keys, args=step.args)
    else:  # the in-process fallback is memory only, so it may run on the loop
        raw = _admit_local(step.keys, step.args)
    return _admission([int(x) for x in raw], step, limits, stamp)


def peek(*, user_id: Any, limits: Limits) -> Admission:
    """The per-minute figures without counting a request (for headers on calls not admitted here)."""
    stamp, _ = _now()
    name = store.key("rpm", user_id)
    cutoff = int(stamp * 1000) - WINDOW_MS
    if store.uses_redis():
        entries = [int(score) for _, score in store.redis_client().zrangebyscore(name, cutoff, "+inf", withscores=True)]
    else:
        entries = [t for t in store.local_get(name, []) if t > cutoff]
    limit = limits.per_minute
    remaining = max(0, limit - len(entries)) if limit >= 0 else UNLIMITED
    reset_at = (entries[0] + WINDOW_MS) / 1000 if entries else stamp
    return Admission(allowed=remaining != 0, limit=limit, remaining=remaining, reset_at=reset_at)
