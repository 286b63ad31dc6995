from typing import Any

from allauth.account.signals import password_changed, password_reset
from django.dispatch import receiver

from accounts.services import user_after_password_change


@receiver(password_changed)
@receiver(password_reset)
def end_other_logins(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """A password changed in the browser ends JWTs and other sessions, as the API does."""
    session = getattr(request, "session", None)
    user_after_password_change(user=user, keep_session_key=session.session_key if session else None)
