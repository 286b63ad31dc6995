"""Deployment checks (`manage.py check --deploy`) for the Redis that holds the counters and the
ledger's write-behind queue: without persistence a restart loses every queued ledger row (billed
calls with no record) and every open hold, and the quotas restart from what the ledger knows."""

from __future__ import annotations

from typing import Any

from django.core.checks import Tags, Warning, register

from config import store

NO_PERSISTENCE = "usage.W001"
SNAPSHOTS_ONLY = "usage.W002"
UNREACHABLE = "usage.W003"
_HINT = "Run Redis with `appendonly yes` (AOF, fsync every second), as the ledger queue needs."


def _persistence(client: Any) -> tuple[bool, bool]:
    """(appendonly on, RDB snapshots on). Managed Redis often disables CONFIG: then INFO persistence."""
    import redis

    try:
        config = {**client.config_get("appendonly"), **client.config_get("save")}
        return config.get("appendonly") == "yes", bool(str(config.get("save", "")).strip())
    except redis.ResponseError:
        info = client.info("persistence")
        return bool(info.get("aof_enabled")), bool(info.get("rdb_last_save_time"))


@register(Tags.caches, deploy=True)
def redis_persistence(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    if not store.uses_redis():
        return []
    import redis

    try:
        aof, snapshots = _persistence(store.redis_client())
    except redis.RedisError as exc:
        return [Warning(f"Redis cannot be reached to check its persistence: {exc}", hint=_HINT, id=UNREACHABLE)]
    if aof:
        return []
    if snapshots:
        message = (
            "Redis persists only by RDB snapshots: a restart loses the ledger rows queued since the last "
            "snapshot (calls answered and billed with no record) and the counters' latest changes."
        )
        return [Warning(message, hint=_HINT, id=SNAPSHOTS_ONLY)]
    message = (
        "Redis has no persistence (appendonly no, no RDB snapshots): a restart loses every queued ledger "
        "row (calls answered and billed with no record) and every budget hold; quotas are rebuilt from "
        "the ledger."
    )
    return [Warning(message, hint=_HINT, id=NO_PERSISTENCE)]
