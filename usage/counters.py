"""Settlement and the aggregates the usage pages read (Redis hashes per user per day).

Settlement is one atomic step: release the reservation, add the real cost to the month's spend,
add the call to the day's aggregates (per user and per model), count the API key's use and, for
write-behind callers, queue the ledger row (see usage.ledger.writer) — so the counters and the
ledger can never disagree about a call.
"""

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from accounts.api_keys import usage_key
from config import store
from usage import limits
from usage.ledger.models import PendingSettlement
from usage.limits import Ticket, built_key, counter_keys, now, spend_keys

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
    return [
        *spend_keys(ticket.user_id, ticket.month),
        store.key("agg", "u", ticket.user_id, ticket.day),
        store.key("agg", "m", charge.model_slug, ticket.day),
        usage_key(charge.api_key_id or 0),
        store.key(*LEDGER_QUEUE),
    ]


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


# --- settlements Redis missed ----------------------------------------------------------------------
# A call that finishes while Redis cannot be reached stores its ledger row directly and leaves its
# settlement in PostgreSQL (PendingSettlement); the ledger sweep replays it once Redis is back. The
# replay runs only on counters that survived (the user's marker is there: otherwise the rebuild from
# the ledger already counts the row), and at most once (a replayed-key per settlement).
_REPLAY = (
    """
if redis.call('EXISTS', KEYS[7]) == 0 then return {-1, 0} end
if not redis.call('SET', KEYS[8], 1, 'NX', 'EX', 86400) then return {-2, 0} end
"""
    + _SETTLE
)


def settle_later(*, ticket: Ticket, charge: Charge, generation_id: Any = None) -> None:
    """Keep a settlement Redis could not take, to replay when it is back."""
    PendingSettlement.objects.create(
        user_id=ticket.user_id,
        month=ticket.month,
        day=ticket.day,
        reserved_nano=ticket.reserved_nano,
        cost_nano=charge.cost_nano,
        tokens=charge.tokens,
        model_slug=charge.model_slug,
        status=charge.status,
        api_key_id=charge.api_key_id,
        generation_id=generation_id,
    )


def replay_settlements(limit: int = 1000) -> int:
    """Apply kept settlements to the counters (release the hold, add the cost); returns how many.
    Raises while Redis is still unreachable, leaving the rest for the next sweep."""
    if not store.uses_redis():
        return 0
    done = 0
    for pending in PendingSettlement.objects.all()[:limit]:
        ticket = Ticket(pending.user_id, pending.month, pending.day, pending.reserved_nano)
        charge = Charge(pending.model_slug, pending.tokens, pending.cost_nano, pending.status, pending.api_key_id)
        keys = [*_keys(ticket, charge), built_key(ticket.user_id), store.key("replayed", pending.pk)]
        store.run_script_sync("settle_replay", _REPLAY, keys=keys, args=_args(ticket, charge))
        pending.delete()
        done += 1
    return done


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


def _read_ints(names: list[str]) -> list[int]:
    if store.uses_redis():
        return [int(v or 0) for v in store.redis_client().mget(names)]
    return [int(store.local_get(name, 0)) for name in names]


def user_days(*, user_id: int, days: list[date]) -> list[dict[str, int]]:
    """The day aggregates of one user: requests, tokens, cost (nano) and per-model fields."""
    return store.read_hashes([store.key("agg", "u", user_id, day.strftime("%Y%m%d")) for day in days])


def split_models(agg: dict[str, int]) -> dict[str, dict[str, int]]:
    """A day aggregate's figures per model."""
    models: dict[str, dict[str, int]] = {}
    for name, value in agg.items():
        if name.startswith(f"m{_SEP}"):
            _, slug, fld = name.split(_SEP, 2)
            models.setdefault(slug, {"requests": 0, "tokens": 0, "cost": 0})[fld] = value
    return models


def quota_used(*, user_id: int) -> dict[str, int]:
    """Requests counted in each quota's current window, and the month's spend and holds (nano)."""
    keys = counter_keys(user_id, now())
    names = [*(q.name for q in limits.QUOTAS), "spent", "held"]
    return dict(zip(names, _read_ints([keys[n] for n in names]), strict=True))


def quota_reset(*, user_id: int) -> None:
    """Clear a user's request counters (each quota's current window) and their per-minute window.

    The month's spend and open reservations stay: they are money, and settlement of calls in flight
    still needs the holds.
    """
    keys = counter_keys(user_id, now())
    names = [keys[n] for n in ("minute", *(q.name for q in limits.QUOTAS))]
    if store.uses_redis():
        store.redis_client().delete(*names)
        return
    with store.local_lock:
        for name in names:
            store.cache.delete(name)
