"""The ledger: Generation rows, recorded once per call, and who is told when one is recorded.

A row is recorded now (`record`: in the caller's transaction, for doors that render from the row at
once) or behind the response (queued by the settlement script with the counters, stored by the
writer in usage.ledger.writer). Either way every function registered with `on_recorded` sees the row
once it is stored, whichever door it came from; moderation is one of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

logger = logging.getLogger(__name__)

Row = dict[str, Any]  # a Generation's field values, as the settlement builds them
Listener = Callable[[Row], None]
_listeners: list[Listener] = []


def on_recorded(fn: Listener) -> Listener:
    """Call `fn(row)` for every ledger row once it is stored. `fn` must not raise for a row it dislikes."""
    if fn not in _listeners:
        _listeners.append(fn)
    return fn


def recorded(rows: Iterable[Row]) -> None:
    for row in rows:
        for listener in _listeners:
            try:
                listener(row)
            except Exception:
                # A listener's failure must not turn a stored, charged answer into an error.
                logger.exception("ledger listener %r failed for generation %s", listener, row.get("id"))


def record(row: Row) -> None:
    """Insert one row in the caller's transaction, then tell the listeners. A row PostgreSQL refuses
    (a NUL byte in its text) becomes a dead letter instead of failing a call that was answered and
    charged; a lost connection raises."""
    from django.db import transaction

    from usage.ledger.models import Generation
    from usage.ledger.writer import ROW_ERRORS, TRANSIENT_ERRORS, encode, set_aside

    try:
        with transaction.atomic():  # a savepoint: a refused row leaves the caller's transaction usable
            Generation.objects.create(**row)
    except TRANSIENT_ERRORS:
        raise
    except ROW_ERRORS as exc:
        set_aside(encode(row), f"{type(exc).__name__}: {exc}", generation_id=row.get("id"))
        return
    recorded([row])
