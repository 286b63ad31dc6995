"""The ledger's write-behind: rows queued in Redis by the settlement script, stored in batches.

The API doors record their row *behind* the response: the settlement script that updates the
counters also appends the row, as JSON, to a Redis list in the same atomic step (see
usage.admission.settle_async), and a writer inserts queued rows in batches. The caller never waits
for PostgreSQL, and one multi-row INSERT replaces one INSERT per call.

The writer is a thread of the Celery worker (started when the worker is ready), not of the web
processes: building and inserting rows holds the GIL, and a thread doing that inside a web process
stalls its event loop (measured: half the throughput, and 3 ms more per call). A web process helps
only when the queue holds more than `BACKLOG_ROWS` (no worker running, or one far behind), and
stops helping once the queue is empty.

Nothing is lost between Redis and PostgreSQL:

- A writer *claims* a batch (moves it, atomically, into a claim list stamped with the time) before
  inserting, and deletes the claim only after the INSERT has committed.
- A claim older than `STALE_CLAIM_SECONDS` (its writer died or hung) goes back to the queue; the
  beat task `usage.ledger_sweep` does this, and drains what no writer took.
- Rows carry their own primary key, so inserting a row twice is a no-op (ON CONFLICT DO NOTHING).
- A batch PostgreSQL refuses is stored row by row; a row that can never be stored (a NUL byte in its
  text, its user deleted meanwhile) becomes a dead letter (`DeadLetter`, with the error; retried or
  discarded from the admin) instead of blocking the rows behind it. Only a lost database connection
  leaves a batch claimed, to be stored on the next attempt.

Rows appear in PostgreSQL within `POLL_SECONDS` plus one INSERT. Redis holds them until then, so a
production Redis should persist (appendonly), as it must for the counters anyway.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, transaction
from django.db.models import F

from config import store
from usage.counters import LEDGER_QUEUE
from usage.ledger import recorded
from usage.ledger.models import DeadLetter, Generation

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
POLL_SECONDS = 0.1  # a writer looks at the queue this often; the rows of concurrent calls share an INSERT
BACKLOG_ROWS = 5000  # queued rows beyond which web processes help the worker's writer
STALE_CLAIM_SECONDS = 60
_DATETIME_FIELDS = ("created_at",)
_DECIMAL_FIELDS = ("cost",)
_UUID_FIELDS = ("id",)


def _queue() -> str:
    return store.key(*LEDGER_QUEUE)


def _claims() -> str:
    return store.key("ledger", "claims")


def _claim_key(claim_id: str) -> str:
    return store.key("ledger", "claim", claim_id)


# --- rows ----------------------------------------------------------------------------------------


def encode(row: dict[str, Any]) -> bytes:
    """A Generation's field values as JSON (ids, money and times as strings)."""
    data = dict(row)
    for name in _UUID_FIELDS:
        data[name] = str(data[name])
    for name in _DECIMAL_FIELDS:
        data[name] = None if data.get(name) is None else str(data[name])
    for name in _DATETIME_FIELDS:
        if name in data:  # a row recorded at once may leave its time to the model's default
            data[name] = data[name].isoformat()
    return json.dumps(data, separators=(",", ":")).encode()


def decode(raw: bytes | str) -> dict[str, Any]:
    data = json.loads(raw)
    for name in _UUID_FIELDS:
        data[name] = uuid.UUID(data[name])
    for name in _DECIMAL_FIELDS:
        data[name] = None if data.get(name) is None else Decimal(data[name])
    for name in _DATETIME_FIELDS:
        if name in data:
            data[name] = datetime.fromisoformat(data[name]).astimezone(UTC)
    return data


def insert(rows: list[dict[str, Any]]) -> None:
    """Insert the rows; one already there (stored before by a writer that died) is skipped."""
    with transaction.atomic():
        Generation.objects.bulk_create([Generation(**row) for row in rows], ignore_conflicts=True)


# The database could not be reached or went away: nothing is wrong with the rows, so they stay claimed
# and are stored on a later attempt. Every other database error is about the rows themselves.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
# A row refused for what it holds: by PostgreSQL, or by the driver before it is sent (psycopg cannot
# encode a lone surrogate, and raises UnicodeEncodeError, a ValueError).
ROW_ERRORS = (DatabaseError, ValueError)


def readable(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """The row in `raw`, checked against the model's fields, or None and why it cannot be read."""
    try:
        row = decode(raw)
        Generation(**row)  # an unknown field name fails here, not in the middle of a batch
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return None, f"unreadable row: {exc}"
    return row, ""


def store_rows(raws: list[bytes]) -> int:
    """Insert queued rows (idempotent) and return how many are now in the database (newly, or already
    from an earlier attempt).

    A batch refused for any error other than a lost connection is retried row by row; a row
    that is refused on its own (a NUL byte in its text, a user deleted meanwhile, a value too long) is
    set aside as a dead letter with the error, and every other row is stored. A lost connection
    raises: the claim stays, and the rows are stored on the next attempt."""
    pairs = []
    for raw in raws:
        row, problem = readable(raw)
        if row is None:
            set_aside(raw, problem)
        else:
            pairs.append((raw, row))
    stored = [row for _, row in pairs]
    try:
        if stored:
            insert(stored)
    except TRANSIENT_ERRORS:
        raise
    except ROW_ERRORS:
        stored = []
        for raw, row in pairs:
            try:
                insert([row])
                stored.append(row)
            except TRANSIENT_ERRORS:
                raise
            except ROW_ERRORS as exc:
                set_aside(raw, f"{type(exc).__name__}: {exc}", generation_id=row["id"])
    recorded(stored)
    return len(stored)


def storable_text(text: str) -> str:
    # PostgreSQL text holds no NUL; a dead letter must be storable whatever the row held.
    return text.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")


def set_aside(raw: bytes | str, error: str, *, generation_id: uuid.UUID | None = None) -> None:
    """Keep a row PostgreSQL refused as a dead letter (once, however often its batch is retried)."""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    text = storable_text(text)
    logger.error("ledger: row %s cannot be stored (%s); kept as a dead letter", generation_id, error)
    letter, created = DeadLetter.objects.get_or_create(
        digest=hashlib.sha256(text.encode()).hexdigest(),
        defaults={"raw": text, "error": storable_text(error), "generation_id": generation_id},
    )
    if not created:
        DeadLetter.objects.filter(pk=letter.pk).update(attempts=F("attempts") + 1, error=storable_text(error))


# --- the queue (Redis) ---------------------------------------------------------------------------

_CLAIM = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items == 0 then return items end
redis.call('LTRIM', KEYS[1], #items, -1)
redis.call('RPUSH', KEYS[3], unpack(items))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return items
"""

_REQUEUE_STALE = """
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, 100)
local moved = 0
for _, id in ipairs(ids) do
  local key = ARGV[2] .. id
  local items = redis.call('LRANGE', key, 0, -1)
  for _, item in ipairs(items) do redis.call('RPUSH', KEYS[1], item) end
  moved = moved + #items
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[2], id)
end
return moved
"""


def _claim(limit: int) -> tuple[str, list[bytes]]:
    claim_id = uuid.uuid4().hex
    items = store.run_script_sync(
        "ledger_claim", _CLAIM, keys=[_queue(), _claims(), _claim_key(claim_id)], args=[limit, time.time(), claim_id]
    )
    return claim_id, list(items)


def _release(claim_id: str) -> None:
    pipe = store.redis_client().pipeline(transaction=True)
    pipe.delete(_claim_key(claim_id))
    pipe.zrem(_claims(), claim_id)
    pipe.execute()


def requeue_stale_claims(older_than: float = STALE_CLAIM_SECONDS) -> int:
    """Give the rows of abandoned claims back to the queue; returns how many rows moved."""
    if not store.uses_redis():
        return 0
    prefix = _claim_key("")
    keys, args = [_queue(), _claims()], [time.time() - older_than, prefix]
    return int(store.run_script_sync("ledger_requeue", _REQUEUE_STALE, keys=keys, args=args))


def drain(max_rows: int | None = None) -> int:
    """Store queued rows until the queue is empty (or `max_rows` were taken); returns rows taken."""
    if not store.uses_redis():
        return 0
    taken = 0
    while max_rows is None or taken < max_rows:
        claim_id, raws = _claim(BATCH_SIZE)
        if not raws:
            break
        store_rows(raws)
        _release(claim_id)  # only after the rows are committed
        taken += len(raws)
    return taken


def pending() -> int:
    """Rows queued and not yet claimed."""
    return int(store.redis_client().llen(_queue())) if store.uses_redis() else 0


# --- the writer thread ---------------------------------------------------------------------------


class _Writer:
    """A thread that stores queued rows: for good (the worker's), or until the queue is empty (a web
    process helping with a backlog). One per process; a forked child starts its own."""

    def __init__(self) -> None:
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._stopping = False

    def running(self) -> bool:
        return self._thread is not None and self._pid == os.getpid() and self._thread.is_alive()

    def start(self, *, until_empty: bool) -> None:
        with self._lock:
            if self.running():
                return
            self._stopping = False
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, args=(until_empty,), name="ledger-writer", daemon=True)
            self._thread.start()

    def _run(self, until_empty: bool) -> None:
        failures = 0
        while not self._stopping:
            taken = 0
            try:
                taken = drain()
                failures = 0
            except Exception:
                failures += 1
                logger.exception("ledger writer: storing queued rows failed; retrying")
            finally:
                close_old_connections()  # hand the connection back between batches
            if until_empty and not taken and not failures:
                return
            self._wake.wait(POLL_SECONDS if not failures else min(30.0, 2.0**failures))

    def stop(self, timeout: float = 10.0) -> None:
        thread = self._thread
        if thread is None or self._pid != os.getpid():
            return
        self._stopping = True
        self._wake.set()
        thread.join(timeout)
        self._thread = None
        self._wake.clear()


_writer = _Writer()


def start_writer() -> None:
    """Store queued rows from now on, in this process (the Celery worker calls this when ready)."""
    _writer.start(until_empty=False)


def queued(count: int) -> None:
    """Called with the queue's length after a row was queued: beyond a backlog, this process helps."""
    if count > BACKLOG_ROWS:
        help_with_backlog()  # the worker's writer is down or behind


def help_with_backlog() -> None:
    """Store queued rows in this process until the queue is empty (a web process, when the worker's
    writer is down or behind)."""
    _writer.start(until_empty=True)


def writer_running() -> bool:
    return _writer.running()


def stop_writer(*, final_drain: bool = True) -> None:
    """Stop this process's writer; with `final_drain`, store what is queued first (worker shutdown)."""
    _writer.stop()
    if final_drain:
        try:
            drain()
        except Exception:
            logger.exception("ledger: final drain failed; the rows stay queued for the sweeper")
        finally:
            close_old_connections()


def idle() -> bool:
    """True when no row is queued or claimed (every row written so far is in PostgreSQL)."""
    if not store.uses_redis():
        return True
    pipe = store.redis_client().pipeline(transaction=False)
    pipe.llen(_queue())
    pipe.zcard(_claims())
    queued, claimed = pipe.execute()
    return not queued and not claimed
