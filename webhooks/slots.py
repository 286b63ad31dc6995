"""Caps on deliveries in flight, per endpoint and per user, so one tenant's slow receivers cannot hold
every delivery worker while other tenants' events wait behind them.

A slot is a member of a Redis sorted set scored by when it expires: taking one drops the expired
members, checks both counts and adds to both sets in one Lua script (so two workers can never both
take the last slot), and a worker killed mid-attempt loses its slot when the attempt's lease ends.
Without Redis (the embedded `make run` default, a single small worker) there are no caps.
"""

import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings

# KEYS: endpoint set, user set. ARGV: now (ms), expiry (ms), endpoint cap, user cap, token.
_TAKE = """
local now, expires = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) or redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[4]) then
  return 0
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, expires, ARGV[5])
  redis.call('PEXPIREAT', key, expires)
end
return 1
"""


@dataclass(frozen=True)
class Slot:
    keys: tuple[str, ...]
    token: str


def _redis() -> Any:  # a redis.Redis from django-redis
    from django_redis import get_redis_connection

    return get_redis_connection("default")


def _uses_redis() -> bool:
    return "django_redis" in settings.CACHES["default"]["BACKEND"]


def _key(kind: str, pk: int) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "sb")
    return f"{prefix}:webhooks:in-flight:{kind}:{pk}"


def slot_take(*, endpoint_id: int, user_id: int, seconds: float) -> Slot | None:
    """A slot for one attempt to this endpoint, held at most `seconds`; None when either cap is reached."""
    keys = (_key("endpoint", endpoint_id), _key("user", user_id))
    slot = Slot(keys=keys, token=uuid.uuid4().hex)
    if not _uses_redis():
        return slot
    now = int(time.time() * 1000)
    taken = _redis().eval(
        _TAKE,
        len(keys),
        *keys,
        now,
        now + int(seconds * 1000),
        settings.WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT,
        settings.WEBHOOKS_MAX_IN_FLIGHT_PER_USER,
        slot.token,
    )
    return slot if taken else None


def slot_release(slot: Slot) -> None:
    if _uses_redis():
        pipe = _redis().pipeline(transaction=False)
        for key in slot.keys:
            pipe.zrem(key, slot.token)
        pipe.execute()


def in_flight(*, endpoint_id: int | None = None, user_id: int | None = None) -> int:
    """How many slots are held now (for the admin and tests)."""
    if not _uses_redis():
        return 0
    key = _key("endpoint", endpoint_id) if endpoint_id is not None else _key("user", user_id or 0)
    return _redis().zcount(key, int(time.time() * 1000), "+inf")
