"""allauth adapters: the sign-up page uses the same rules as the JSON API, and only active accounts get in."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.http import HttpRequest

from accounts.models import User, username_validator


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username: str, shallow: bool = False) -> str:
        try:
            username_validator(username)
        except Exception as exc:
            raise forms.ValidationError("Use 3 to 30 letters or digits.") from exc
        return super().clean_username(username, shallow=shallow)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        from accounts.hooks import signup_open

        return signup_open()

    def populate_username(self, request: HttpRequest, user: User) -> None:
        if not user.username:
            base = "".join(ch for ch in (user.email or "").split("@")[0] if ch.isalnum())[:24] or "user"
            base = base if len(base) >= 3 else f"{base}user"
            candidate, n = base, 1
            while User.objects.filter(username__iexact=candidate).exists():
                n += 1
                candidate = f"{base}{n}"
            user.username = candidate
            return
        super().populate_username(request, user)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        from accounts.hooks import signup_open

        return signup_open()
