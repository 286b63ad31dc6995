from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.permissions import BasePermission
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


def raw_api_key(request: Any) -> str | None:
    """`X-API-Key: sk_live_...` or `Authorization: Bearer sk_live_...`; None when neither is there."""
    headers = request.headers
    if value := headers.get("X-API-Key"):
        return value.strip()
    auth = headers.get("Authorization", "")
    scheme, _, token = auth.partition(" ")
    if scheme.lower() == "bearer" and token.strip().startswith("sk_"):
        return token.strip()
    return None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """API keys for programmatic access. A key that is present but not valid is an error, not anonymity."""

    def authenticate(self, request: Request) -> tuple[User, Any] | None:
        from accounts.api_keys import InvalidApiKey, api_key_verify

        raw = raw_api_key(request)
        if raw is None:
            return None
        try:
            verified = api_key_verify(raw)
        except InvalidApiKey as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from None
        # The plain Django request carries the key too, so middleware can label rate limits by it.
        request._request.api_key = verified
        return verified.user, verified

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def request_scopes(request: Request) -> frozenset[str]:
    """Scopes of the request's credential; JWT and session users hold every scope."""
    from accounts.api_keys import ALL_SCOPES, VerifiedKey

    if isinstance(request.auth, VerifiedKey):
        return request.auth.scopes
    return ALL_SCOPES


def HasScope(scope: str) -> type[BasePermission]:
    """A DRF permission class requiring `scope` (API keys); 403 AUTHORIZATION_ERROR without it."""

    class _HasScope(BasePermission):
        message = f"This API key lacks the '{scope}' permission."

        def has_permission(self, request: Request, view: Any) -> bool:
            return bool(request.user and request.user.is_authenticated) and scope in request_scopes(request)

    _HasScope.__name__ = f"HasScope_{scope.replace(':', '_')}"
    return _HasScope
