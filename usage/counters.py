"""Settlement and the aggregates the usage pages read (Redis hashes per user per day).

Settlement is one atomic step: release the reservation, add the real cost to the month's spend,
add the call to the day's aggregates (per user and per model), count the API key's use and, for
write-behind callers, queue the ledger row (see playground.ledger) — so the counters and the
ledger can never disagree about a call.
"""

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from config import store
from usage.limits import Ticket, Windows, counter_keys

AGGREGATE_TTL = 400 * 24 * 3600  # a year of daily figures, plus slack for year-over-year views
_SEP = "|"

_SETTLE = """
local reserve = tonumber(ARGV[1])
local actual = tonumber(ARGV[2])
if reserve > 0 then
  local held = redis.call('DECRBY', KEYS[1], reserve)
  if held < 0 then redis.call('SET', KEYS[1], 0, 'KEEPTTL') end
end
local spent = tonumber(redis.call('GET', KEYS[2]) or '0')
if actual > 0 then
  spent = redis.call('INCRBY', KEYS[2], actual)
  if spent == actual then redis.call('EXPIRE', KEYS[2], ARGV[7]) end
end
local prefix = ARGV[4]
for _, hash in ipairs({KEYS[3], KEYS[4]}) do
  redis.call('HINCRBY', hash, 'requests', 1)
  redis.call('HINCRBY', hash, 'tokens', ARGV[3])
  redis.call('HINCRBY', hash, 'cost', actual)
  redis.call('HINCRBY', hash, ARGV[6], 1)
  redis.call('EXPIRE', hash, ARGV[8])
end
redis.call('HINCRBY', KEYS[3], prefix .. 'requests', 1)
redis.call('HINCRBY', KEYS[3], prefix .. 'tokens', ARGV[3])
redis.call('HINCRBY', KEYS[3], prefix .. 'cost', actual)
if ARGV[9] ~= '' then
  redis.call('HINCRBY', KEYS[5], 'count', 1)
  redis.call('HSET', KEYS[5], 'last', ARGV[5])
end
local queued = 0
if ARGV[10] ~= '' then
  queued = redis.call('RPUSH', KEYS[6], ARGV[10])
end
return {spent, queued}
"""


@dataclass(frozen=True)
class Charge:
    """What one finished call adds to the counters."""

    model_slug: str
    tokens: int
    cost_nano: int
    status: str
    api_key_id: int | None = None


LEDGER_QUEUE = ("ledger", "queue")


def _keys(ticket: Ticket, charge: Charge) -> list[str]:
    spent_keys = counter_keys(ticket.user_id, _windows_for(ticket))
    return [
        spent_keys["held"],
        spent_keys["spent"],
        store.key("agg", "u", ticket.user_id, ticket.day),
        store.key("agg", "m", charge.model_slug, ticket.day),
        store.key("ak", charge.api_key_id or 0),
        store.key(*LEDGER_QUEUE),
    ]


def _windows_for(ticket: Ticket) -> Windows:
    # Only the month and day of the admission matter for the keys settled here.
    return Windows(day=ticket.day, week="", month=ticket.month, day_ttl=0, week_ttl=0, month_ttl=0)


MONTH_TTL = 40 * 24 * 3600


def _args(ticket: Ticket, charge: Charge, ledger_row: bytes = b"") -> list[Any]:
    return [
        ticket.reserved_nano,
        charge.cost_nano,
        charge.tokens,
        f"m{_SEP}{charge.model_slug}{_SEP}",
        int(time.time()),
        f"status{_SEP}{charge.status}",
        MONTH_TTL,
        AGGREGATE_TTL,
        str(charge.api_key_id or ""),
        ledger_row,
    ]


def settle(*, ticket: Ticket, charge: Charge) -> int:
    """Complete an admission; returns the month's spend in nano-dollars after this call."""
    keys, args = _keys(ticket, charge), _args(ticket, charge)
    if store.uses_redis():
        return int(store.run_script_sync("settle", _SETTLE, keys=keys, args=args)[0])
    return _settle_local(keys, args)


async def settle_async(*, ticket: Ticket, charge: Charge, ledger_row: bytes) -> tuple[int, int]:
    """`settle` from the event loop, queueing the ledger row in the same atomic step. Redis only:
    without Redis there is no shared queue, and callers record the row directly.

    Returns the month's spend after this call and how many ledger rows are now queued."""
    keys, args = _keys(ticket, charge), _args(ticket, charge, ledger_row)
    spent, queued = await store.run_script("settle", _SETTLE, keys=keys, args=args)
    return int(spent), int(queued)


def _settle_local(keys: list[str], args: list[Any]) -> int:
    reserve, actual, tokens, prefix, now, status_field, month_ttl, agg_ttl, key_id, _ = args
    held_key, spent_key, user_agg, model_agg, key_agg, _ = keys
    with store.local_lock:
        store.local_set(held_key, max(0, store.local_get(held_key, 0) - reserve), month_ttl)
        spent = store.local_get(spent_key, 0) + actual
        store.local_set(spent_key, spent, month_ttl)
        for name in (user_agg, model_agg):
            agg = store.local_get(name, {})
            for fld, amount in (("requests", 1), ("tokens", tokens), ("cost", actual), (status_field, 1)):
                agg[fld] = agg.get(fld, 0) + amount
            if name == user_agg:
                for fld, amount in (("requests", 1), ("tokens", tokens), ("cost", actual)):
                    agg[prefix + fld] = agg.get(prefix + fld, 0) + amount
            store.local_set(name, agg, agg_ttl)
        if key_id:
            usage = store.local_get(key_agg, {})
            usage["count"] = usage.get("count", 0) + 1
            usage["last"] = now
            store.local_set(key_agg, usage, agg_ttl)
    return spent


def _read_hashes(names: list[str]) -> list[dict[str, int]]:
    if not names:
        return []
    if store.uses_redis():
        pipe = store.redis_client().pipeline(transaction=False)
        for name in names:
            pipe.hgetall(name)
        return [{k.decode(): int(v) for k, v in raw.items()} for raw in pipe.execute()]
    return [dict(store.local_get(name, {})) for name in names]


def _read_ints(names: list[str]) -> list[int]:
    if store.uses_redis():
        return [int(v or 0) for v in store.redis_client().mget(names)]
    return [int(store.local_get(name, 0)) for name in names]


def user_days(*, user_id: int, days: list[date]) -> list[dict[str, int]]:
    """The day aggregates of one user: requests, tokens, cost (nano) and per-model fields."""
    return _read_hashes([store.key("agg", "u", user_id, day.strftime("%Y%m%d")) for day in days])


def split_models(agg: dict[str, int]) -> dict[str, dict[str, int]]:
    models: dict[str, dict[str, int]] = {}
    for name, value in agg.items():
        if name.startswith(f"m{_SEP}"):
            _, slug, fld = name.split(_SEP, 2)
            models.setdefault(slug, {"requests": 0, "tokens": 0, "cost": 0})[fld] = value
    return models


def quota_used(*, user_id: int) -> dict[str, int]:
    """Requests counted in the current day/week/month and the month's spend and holds (nano)."""
    keys = counter_keys(user_id, Windows.at(_utcnow()))
    names = ["daily", "weekly", "monthly", "spent", "held"]
    return dict(zip(names, _read_ints([keys[n] for n in names]), strict=True))


def _utcnow() -> Any:
    from django.utils import timezone

    return timezone.now()


def api_key_usage(*, key_ids: list[int]) -> dict[int, dict[str, int]]:
    """Uses recorded since the last flush to the database: {key id: {count, last}}."""
    hashes = _read_hashes([store.key("ak", key_id) for key_id in key_ids])
    return dict(zip(key_ids, hashes, strict=True))


def api_key_usage_take(*, key_id: int) -> dict[str, int]:
    """Read and reset one key's pending uses atomically (for the periodic flush)."""
    name = store.key("ak", key_id)
    if store.uses_redis():
        pipe = store.redis_client().pipeline(transaction=True)
        pipe.hgetall(name)
        pipe.delete(name)
        raw = pipe.execute()[0]
        return {k.decode(): int(v) for k, v in raw.items()}
    with store.local_lock:
        usage = dict(store.local_get(name, {}))
        store.local_set(name, {}, 1)
    return usage


def quota_reset(*, user_id: int) -> None:
    """Clear a user's request counters (this day, week and month) and their per-minute window.

    The month's spend and open reservations stay: they are money, and settlement of calls in flight
    still needs the holds.
    """
    keys = counter_keys(user_id, Windows.at(_utcnow()))
    names = [keys[n] for n in ("minute", "daily", "weekly", "monthly")]
    if store.uses_redis():
        store.redis_client().delete(*names)
        return
    with store.local_lock:
        for name in names:
            store.cache.delete(name)
