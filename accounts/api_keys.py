"""API keys: `sk_live_` + 40 random base62 characters + a 6-character checksum.

Only the SHA-256 of the key and a short display prefix are stored. The checksum rejects typos and
random probes without touching the database. A verified key is remembered in the shared cache
for a short time; revoking a key or suspending its owner forgets it at once.
"""

import hashlib
import hmac
import secrets
import string
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, ApiKeyScope, User
from config import store
from config.memo import Memo

KEY_PREFIX = "sk_live_"
_ALPHABET = string.digits + string.ascii_letters
_BODY_LENGTH = 40  # 40 base62 characters = 238 bits of randomness
_CHECKSUM_LENGTH = 6
_DISPLAY_LENGTH = len(KEY_PREFIX) + 4
_CACHE_PREFIX = "apikey:"
_CACHE_SECONDS = 60
ALL_SCOPES = frozenset(ApiKeyScope.values)
DEFAULT_EXPIRES_IN_DAYS = 90
DEFAULT_ROTATION_GRACE_HOURS = 24
MAX_ROTATION_GRACE_HOURS = 7 * 24  # long enough to roll a deployment, short enough that a leak ends


class InvalidApiKey(Exception):
    """Unknown, malformed, revoked or expired key, or an owner who may not sign in."""


def _base62(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, rest = divmod(number, 62)
        chars.append(_ALPHABET[rest])
    return "".join(reversed(chars))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), _CHECKSUM_LENGTH)


def key_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def looks_valid(raw: str) -> bool:
    """Format and checksum only; no database access."""
    if not raw.startswith(KEY_PREFIX) or len(raw) != len(KEY_PREFIX) + _BODY_LENGTH + _CHECKSUM_LENGTH:
        return False
    body = raw[len(KEY_PREFIX) : len(KEY_PREFIX) + _BODY_LENGTH]
    return hmac.compare_digest(_checksum(body), raw[-_CHECKSUM_LENGTH:])


def _new_raw_key() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_BODY_LENGTH))
    return f"{KEY_PREFIX}{body}{_checksum(body)}"


@dataclass(frozen=True)
class VerifiedKey:
    """What a request needs from a key, cached so that the hot path makes no database query."""

    key_id: int
    user: User
    scopes: frozenset[str]
    expires_at: datetime | None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


def api_key_create(
    *, user: User, name: str, scopes: list[str], expires_in_days: int | None, replaces: ApiKey | None = None
) -> tuple[ApiKey, str]:
    """Returns the stored key and the full key, which is never available again."""
    raw = _new_raw_key()
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    key = ApiKey.objects.create(
        user=user,
        name=name,
        prefix=raw[:_DISPLAY_LENGTH],
        hash=key_hash(raw),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
        replaces=replaces,
    )
    return key, raw


class AlreadyRotated(Exception):
    """The key already has a replacement; rotate that one instead."""


@transaction.atomic
def api_key_rotate(*, key: ApiKey, grace_hours: int, expires_in_days: int | None) -> tuple[ApiKey, str]:
    """A new secret with the same name and scopes. The old key keeps working for `grace_hours`
    (0 = not at all), then expires: an expiry in the database, so every process sees it as soon as
    the shared cache entry is gone, exactly as it sees a revocation."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)  # two rotations of one key queue here
    if ApiKey.objects.filter(replaces=key).exists():
        raise AlreadyRotated("This key has already been rotated; rotate its replacement instead.")
    new, raw = api_key_create(
        user=key.user, name=key.name, scopes=key.scopes, expires_in_days=expires_in_days, replaces=key
    )
    grace_end = timezone.now() + timedelta(hours=grace_hours)
    key.expires_at = min(key.expires_at, grace_end) if key.expires_at else grace_end
    key.save(update_fields=["expires_at", "updated_at"])
    transaction.on_commit(lambda: _forget(key.hash))
    _forget(key.hash)
    return new, raw


def api_key_lifetime_days(key: ApiKey) -> int | None:
    """How long the key was made to last, in whole days (None: no expiry); a rotation keeps it."""
    if key.expires_at is None:
        return None
    return max(1, round((key.expires_at - key.created_at) / timedelta(days=1)))


def api_key_update(*, key: ApiKey, name: str | None = None, scopes: list[str] | None = None) -> ApiKey:
    fields = ["updated_at"]
    if name is not None:
        key.name = name
        fields.append("name")
    if scopes is not None:
        key.scopes = sorted(set(scopes))
        fields.append("scopes")
    key.save(update_fields=fields)
    _forget(key.hash)
    return key


def api_key_revoke(*, key: ApiKey) -> None:
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at", "updated_at"])
    transaction.on_commit(lambda: _forget(key.hash))
    _forget(key.hash)


def api_keys_forget_user(*, user: User) -> None:
    """Drop the cached verifications of every key of a user (suspension, deletion, sign-out)."""
    hashes = list(ApiKey.objects.filter(user=user).values_list("hash", flat=True))
    if hashes:
        cache.delete_many([_CACHE_PREFIX + h for h in hashes])
        for digest in hashes:
            _verified.forget(digest)


def _forget(digest: str) -> None:
    cache.delete(_CACHE_PREFIX + digest)
    _verified.forget(digest)


def _load(digest: str) -> VerifiedKey:
    key = ApiKey.objects.select_related("user").filter(hash=digest).first()
    if key is None or not hmac.compare_digest(key.hash, digest):
        raise InvalidApiKey("Invalid API key.")
    if key.revoked_at is not None:
        raise InvalidApiKey("This API key has been revoked.")
    if not key.user.is_active:
        raise InvalidApiKey("The account that owns this API key is not active.")
    return VerifiedKey(key_id=key.pk, user=key.user, scopes=frozenset(key.scopes), expires_at=key.expires_at)


def _unexpired(verified: VerifiedKey) -> VerifiedKey:
    if verified.expires_at is not None and verified.expires_at <= timezone.now():
        raise InvalidApiKey("This API key has expired.")
    return verified


def api_key_verify(raw: str) -> VerifiedKey:
    """The key's owner and scopes, or InvalidApiKey. At most one indexed query per minute per key."""
    if not looks_valid(raw):
        raise InvalidApiKey("Invalid API key.")
    digest = key_hash(raw)
    verified: VerifiedKey | None = cache.get(_CACHE_PREFIX + digest)
    if verified is None:
        verified = _load(digest)
        cache.set(_CACHE_PREFIX + digest, verified, _CACHE_SECONDS)
    _verified.put(digest, verified)
    return _unexpired(verified)


# This process's copies of verified keys. A copy is used only while the shared entry still exists:
# revoking, editing or suspending deletes that entry, so every process stops honouring the key on
# its next call, not a minute later.
_verified: Memo[VerifiedKey] = Memo("verified api keys", ttl=_CACHE_SECONDS)


async def _shared_entry_exists(digest: str) -> bool:
    if store.uses_redis():
        return bool(await store.async_redis().exists(cache.make_key(_CACHE_PREFIX + digest)))
    return cache.has_key(_CACHE_PREFIX + digest)  # the local-memory cache: no I/O


async def api_key_verify_async(raw: str) -> VerifiedKey:
    """`api_key_verify` for the event loop: one Redis EXISTS when this process knows the key, a
    thread hop (and the shared cache or one query) when it does not."""
    if not looks_valid(raw):
        raise InvalidApiKey("Invalid API key.")
    digest = key_hash(raw)
    known = _verified.peek(digest)
    if known is not None and await _shared_entry_exists(digest):
        return _unexpired(known)
    return await sync_to_async(api_key_verify)(raw)


def usage_key(key_id: int) -> str:
    """The shared hash ({count, last}) where settlement counts a key's uses until the next flush."""
    return store.key("ak", key_id)


def _take_pending_usage(key_id: int) -> dict[str, int]:
    """Read and reset one key's pending uses atomically."""
    name = usage_key(key_id)
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


def api_key_usage_flush() -> int:
    """Fold the per-request use counters from the shared cache into the rows (run periodically)."""
    flushed = 0
    for key in ApiKey.objects.filter(revoked_at__isnull=True).only("pk", "usage_count", "last_used_at"):
        pending = _take_pending_usage(key.pk)
        if not pending.get("count"):
            continue
        last = datetime.fromtimestamp(pending["last"], tz=UTC) if pending.get("last") else None
        ApiKey.objects.filter(pk=key.pk).update(
            usage_count=key.usage_count + pending["count"], last_used_at=last or key.last_used_at
        )
        flushed += 1
    return flushed


def api_key_usage_view(keys: list[ApiKey]) -> dict[int, dict[str, Any]]:
    """usage_count and last_used per key: the stored figures plus what is pending in the cache."""
    pending = dict(zip([k.pk for k in keys], store.read_hashes([usage_key(k.pk) for k in keys]), strict=True))
    view: dict[int, dict[str, Any]] = {}
    for key in keys:
        extra = pending.get(key.pk) or {}
        last = key.last_used_at
        if extra.get("last"):
            cached = datetime.fromtimestamp(extra["last"], tz=UTC)
            last = max(last, cached) if last else cached
        view[key.pk] = {"usage_count": key.usage_count + extra.get("count", 0), "last_used": last}
    return view
