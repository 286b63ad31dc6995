"""Events for whoever wants them (webhooks, notifications), through one registry.

`emit()` hands the event to every registered consumer after the current transaction commits (at once
when there is none). Consumers register themselves (the webhooks app does, when it is ready), so
usage imports none of them.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Consumer = Callable[..., None]  # fn(*, user_id: int, event: str, payload: dict) -> None
_consumers: list[Consumer] = []

QUOTA_WARNING = "quota.warning"
WARNING_THRESHOLDS = (80, 100)  # percent of a quota or of the budget


def register_consumer(fn: Consumer) -> Consumer:
    if fn not in _consumers:
        _consumers.append(fn)
    return fn


def unregister_consumer(fn: Consumer) -> None:
    if fn in _consumers:
        _consumers.remove(fn)


def _deliver(event: str, user_id: int, payload: dict[str, Any]) -> None:
    for consumer in list(_consumers):
        try:
            consumer(user_id=user_id, event=event, payload=payload)
        except Exception:
            # One broken consumer must not lose the event for the others, nor fail the request.
            logger.exception("usage event consumer failed: %s", event)


def emit(event: str, *, user_id: int, payload: dict[str, Any]) -> None:
    """Publish an event once the surrounding transaction (if any) has committed. Sync code only."""
    transaction.on_commit(lambda: _deliver(event, user_id, payload))
