"""Leaderboards are computed here, after votes, and kept in the cache for the pages and the API."""

from typing import Any

from celery import shared_task
from django.core.cache import cache
from django.db import transaction

from arena.selectors import LEADERBOARD_SECONDS, leaderboard_key, leaderboards_by_category
from config.celery import INFRA_RETRY


@shared_task(name="arena.leaderboards_refresh", acks_late=True, soft_time_limit=120, time_limit=150, **INFRA_RETRY)
def leaderboards_refresh(user_id: int | None = None) -> int:
    """Platform-wide boards for every category, and the voter's own; safe to run twice."""
    written = 0
    for owner in (None, user_id) if user_id else (None,):
        for category, board in leaderboards_by_category(user_id=owner).items():
            cache.set(leaderboard_key(user_id=owner, category=category), board, LEADERBOARD_SECONDS)
            written += 1
    return written


def leaderboards_refresh_soon(*, user_id: Any) -> None:
    """After the vote's transaction commits (the task must see the vote)."""
    transaction.on_commit(lambda: leaderboards_refresh.delay(user_id))
