from typing import Any

from allauth.account.signals import password_changed, password_reset
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.models import User
from accounts.services import user_after_password_change


@receiver(password_changed)
@receiver(password_reset)
def end_other_logins(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A password changed in the browser ends JWTs and other sessions, as the API does."""
    session = getattr(request, "session", None)
    user_after_password_change(user=user, keep_session_key=session.session_key if session else None)


# Fields a verified API key carries (the owner's limits and standing), cached in every process.
_KEY_RELEVANT_FIELDS = frozenset({"tier", "monthly_budget_usd", "status", "is_active"})


@receiver(post_save, sender=User)
def forget_keys_on_limit_change(sender: Any, instance: User, created: bool, update_fields: Any, **kwargs: Any) -> None:
    """A new tier, budget or status applies to the owner's API keys on their next call."""
    if created or (update_fields is not None and not _KEY_RELEVANT_FIELDS & set(update_fields)):
        return
    from accounts.api_keys import api_keys_forget_user

    api_keys_forget_user(user=instance)
