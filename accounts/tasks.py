from celery import shared_task
from django.utils import timezone

from accounts.api_keys import api_key_usage_flush
from accounts.tokens import token_families_forget_expired


@shared_task(name="accounts.flush_api_key_usage", acks_late=True, time_limit=120, soft_time_limit=100)
def flush_api_key_usage() -> int:
    """Fold per-request key use (counted in the shared cache) into the rows; safe to run twice,
    since each key's pending count is taken and reset atomically."""
    return api_key_usage_flush()


@shared_task(name="accounts.cleanup_expired_tokens", acks_late=True, soft_time_limit=120, time_limit=150)
def cleanup_expired_tokens() -> dict[str, int]:
    """Expired JWT refresh tokens (what simplejwt's flushexpiredtokens does) and expired sessions."""
    from django.contrib.sessions.models import Session
    from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

    tokens, _ = OutstandingToken.objects.filter(expires_at__lte=timezone.now()).delete()
    sessions, _ = Session.objects.filter(expire_date__lte=timezone.now()).delete()
    return {"tokens": tokens, "sessions": sessions}


@shared_task(name="accounts.forget_expired_token_families", acks_late=True, time_limit=120, soft_time_limit=100)
def forget_expired_token_families() -> int:
    """Sign-ins whose newest refresh token has expired; safe to run twice."""
    return token_families_forget_expired()


@shared_task(name="accounts.export_account", acks_late=True, soft_time_limit=1800, time_limit=1900)
def export_account(export_id: str) -> None:
    """Write one account export (accounts.exports); a rerun of a finished export does nothing."""
    from accounts.exports import account_export_run

    account_export_run(export_id=export_id)
