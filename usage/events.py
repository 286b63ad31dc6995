"""Usage events for later consumers (webhooks, notifications), without importing them.

`emit()` hands the event to every registered consumer after the current transaction commits
(at once when there is none). The webhooks app's `event_emit` is picked up when it exists, so this
works before and after that app lands.
"""

import importlib
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Consumer = Callable[..., None]  # fn(*, user_id: int, event: str, payload: dict) -> None
_consumers: list[Consumer] = []

QUOTA_WARNING = "quota.warning"
WARNING_THRESHOLDS = (80, 100)


def register_consumer(fn: Consumer) -> Consumer:
    if fn not in _consumers:
        _consumers.append(fn)
    return fn


def unregister_consumer(fn: Consumer) -> None:
    if fn in _consumers:
        _consumers.remove(fn)


def _webhooks_consumer() -> Consumer | None:
    try:
        module = importlib.import_module("webhooks.services")
    except ImportError:
        return None
    return getattr(module, "event_emit", None)


def _deliver(event: str, user_id: int, payload: dict[str, Any]) -> None:
    consumers = list(_consumers)
    if (webhooks := _webhooks_consumer()) is not None:
        consumers.append(webhooks)
    for consumer in consumers:
        try:
            consumer(user_id=user_id, event=event, payload=payload)
        except Exception:
            # One broken consumer must not lose the event for the others, nor fail the request.
            logger.exception("usage event consumer failed: %s", event)


def emit(event: str, *, user_id: int, payload: dict[str, Any]) -> None:
    """Publish an event once the surrounding transaction (if any) has committed. Sync code only."""
    transaction.on_commit(lambda: _deliver(event, user_id, payload))


def crossed(before: float, after: float, limit: float) -> list[int]:
    """The warning thresholds (percent of `limit`) that this change crossed upwards."""
    if limit <= 0:
        return []
    return [t for t in WARNING_THRESHOLDS if before * 100 < t * limit <= after * 100]
