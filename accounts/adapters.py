"""allauth adapters: the sign-up page uses the same rules as the JSON API, and only active accounts get in."""

import sys
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.conf import settings
from django.http import Http404, HttpRequest

from accounts.models import USERNAME_RULE, User, username_validator

CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"


class AccountAdapter(DefaultAccountAdapter):
    def send_confirmation_mail(self, request: HttpRequest, emailconfirmation: Any, signup: bool) -> None:
        super().send_confirmation_mail(request, emailconfirmation, signup)
        if settings.EMAIL_BACKEND == CONSOLE_EMAIL:
            # Locally the email only reaches the server's terminal, wrapped and encoded among headers:
            # print the link on its own, where it can be found and clicked.
            url = self.get_email_confirmation_url(request, emailconfirmation)
            address = emailconfirmation.email_address.email
            print(f"\n{'=' * 72}\n  Verify {address}: open\n  {url}\n{'=' * 72}\n", file=sys.stderr, flush=True)

    def clean_username(self, username: str, shallow: bool = False) -> str:
        try:
            username_validator(username)
        except Exception as exc:
            raise forms.ValidationError(USERNAME_RULE) from exc
        return super().clean_username(username, shallow=shallow)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        from accounts.hooks import signup_open

        return signup_open()

    def populate_username(self, request: HttpRequest, user: User) -> None:
        """OAuth providers send names like "jane.doe" or none at all; make a valid, unique one."""
        if user.username and username_validator.regex.match(user.username) and not _taken(user.username):
            return
        seed = user.username or (user.email or "").split("@")[0]
        base = "".join(ch for ch in seed if ch.isalnum())[:26] or "user"
        base = base if len(base) >= 3 else f"{base}user"
        candidate, n = base, 1
        while _taken(candidate):
            n += 1
            candidate = f"{base}{n}"
        user.username = candidate


def _taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request: HttpRequest, provider: str, client_id: str | None = None) -> Any:
        """A provider this server has no credentials for is a page that does not exist, not an error."""
        from allauth.socialaccount.models import SocialApp

        try:
            return super().get_app(request, provider, client_id)
        except SocialApp.DoesNotExist as exc:
            raise Http404(f"Sign-in with {provider} is not set up on this server.") from exc

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        from accounts.hooks import signup_open

        return signup_open()
