"""allauth adapters: the sign-up page uses the same rules as the JSON API, and only active accounts get in."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.http import HttpRequest

from accounts.models import USERNAME_RULE, User, username_validator


class AccountAdapter(DefaultAccountAdapter):
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
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        from accounts.hooks import signup_open

        return signup_open()
