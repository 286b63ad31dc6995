from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication as BaseJWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.tokens import Token

from accounts.models import User
from accounts.tokens import VERSION_CLAIM, is_access_denied


class JWTAuthentication(BaseJWTAuthentication):
    """Bearer JWTs, refused after sign-out, password change or suspension.

    `sk_live_` bearer values are API keys and are left to the API key authenticator.
    """

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        header = self.get_header(request)
        if header is None:
            return None
        raw = self.get_raw_token(header)
        if raw is None or raw.startswith(b"sk_"):
            return None
        token = self.get_validated_token(raw)
        if is_access_denied(token):
            raise InvalidToken(_("This token has been signed out."))
        user = self.get_user(token)
        if token.get(VERSION_CLAIM, 0) != user.token_version:
            raise InvalidToken(_("This token is no longer valid; sign in again."))
        return user, token

    def get_user(self, validated_token: Token) -> User:
        try:
            return super().get_user(validated_token)
        except exceptions.AuthenticationFailed as exc:
            raise exceptions.AuthenticationFailed(_("The account is not active.")) from exc


class SessionAuthentication(authentication.SessionAuthentication):
    """Browser sessions (CSRF-checked); answers 401, not 403, when absent."""

    def authenticate_header(self, request: Request) -> str:
        return "Session"

    def authenticate(self, request: Request) -> Any:
        return super().authenticate(request)
