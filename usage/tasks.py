"""Periodic upkeep: usage rollups for analytics and removal of expired credentials."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone


@shared_task(name="usage.rollup_recent", acks_late=True, soft_time_limit=120, time_limit=150)
def rollup_recent() -> int:
    from usage.rollups import rollup_recent as run

    return run()


@shared_task(name="usage.cleanup_expired_tokens", acks_late=True, soft_time_limit=120, time_limit=150)
def cleanup_expired_tokens() -> dict[str, int]:
    """Expired JWT refresh tokens (what simplejwt's flushexpiredtokens does) and expired sessions."""
    from django.contrib.sessions.models import Session
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    tokens, _ = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    sessions, _ = Session.objects.filter(expire_date__lte=timezone.now()).delete()
    return {"tokens": tokens, "sessions": sessions}
