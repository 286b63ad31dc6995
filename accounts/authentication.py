"""Who is calling: the one authentication module, for the DRF views and the async doors alike.

Every view reads credentials in the same order:

1. an API key: `X-API-Key: sk_live_...`, or `Authorization: Bearer sk_live_...`;
2. a JWT: `Authorization: Bearer <access token>` (or `?token=` where a door allows it, for
   EventSource, which cannot send headers);
3. the browser session, CSRF-checked for unsafe methods.

A credential that is present but not valid is refused with a message that says what is wrong; it
never falls through to the next one.
"""

from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from rest_framework import authentication, exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication as BaseJWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import Token

from accounts.api_keys import ALL_SCOPES, InvalidApiKey, VerifiedKey, api_key_verify, api_key_verify_async
from accounts.models import User
from accounts.tokens import VERSION_CLAIM, is_access_denied
from config.api.exceptions import ApiError

INVALID_TOKEN = "The access token is invalid or has expired; sign in again or refresh it."
NO_CREDENTIALS = "Authentication credentials were not provided."
KEYS_ONLY = "Provide an API key as 'Authorization: Bearer sk_live_...'."


@dataclass(frozen=True)
class Caller:
    user: Any
    key: VerifiedKey | None = None

    @property
    def scopes(self) -> frozenset[str]:
        return self.key.scopes if self.key else ALL_SCOPES

    @property
    def api_key_id(self) -> int | None:
        return self.key.key_id if self.key else None


def api_key_in(request: Any) -> str | None:
    """`X-API-Key: sk_live_...` or `Authorization: Bearer sk_live_...`; None when neither is there."""
    if value := request.headers.get("X-API-Key"):
        return value.strip()
    token = _bearer(request)
    return token if token and token.startswith("sk_") else None


def _bearer(request: Any) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def jwt_in(request: Any) -> str | None:
    """A bearer value that is not an API key."""
    token = _bearer(request)
    return token if token and not token.startswith("sk_") else None


class JWTAuthentication(BaseJWTAuthentication):
    """Bearer JWTs, refused after sign-out, password change or suspension."""

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        raw = jwt_in(request)
        return None if raw is None else self.user_and_token(raw)

    def user_and_token(self, raw: str) -> tuple[User, Token]:
        try:
            token = self.get_validated_token(raw.encode())
        except (InvalidToken, TokenError):
            raise exceptions.AuthenticationFailed(INVALID_TOKEN) from None
        if is_access_denied(token):
            raise exceptions.AuthenticationFailed("This token has been signed out.")
        user = self.get_user(token)
        if token.get(VERSION_CLAIM, 0) != user.token_version:
            raise exceptions.AuthenticationFailed("This token is no longer valid; sign in again.")
        return user, token

    def get_user(self, validated_token: Token) -> User:
        try:
            return super().get_user(validated_token)
        except (exceptions.AuthenticationFailed, InvalidToken) as exc:
            raise exceptions.AuthenticationFailed("The account is not active.") from exc


class SessionAuthentication(authentication.SessionAuthentication):
    """Browser sessions (CSRF-checked); answers 401, not 403, when absent."""

    def authenticate_header(self, request: Request) -> str:
        return "Session"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """API keys for programmatic access. A key that is present but not valid is an error, not anonymity."""

    def authenticate(self, request: Request) -> tuple[User, VerifiedKey] | None:
        raw = api_key_in(request)
        if raw is None:
            return None
        try:
            verified = api_key_verify(raw)
        except InvalidApiKey as exc:
            raise exceptions.AuthenticationFailed(str(exc)) from None
        return verified.user, verified

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


def _refused(exc: exceptions.APIException) -> ApiError:
    code = "AUTHORIZATION_ERROR" if isinstance(exc, exceptions.PermissionDenied) else "AUTHENTICATION_ERROR"
    return ApiError(code, str(exc.detail))


async def authenticate(request: Any, *, keys_only: bool = False, allow_query_token: bool = False) -> Caller:
    """The caller of an async door (no DRF), in the order above; raises ApiError when refused.

    A key this process has verified before costs one Redis round trip (is it still valid?), on the loop."""
    if (raw := api_key_in(request)) is not None:
        try:
            key = await api_key_verify_async(raw)
        except InvalidApiKey as exc:
            raise ApiError("AUTHENTICATION_ERROR", str(exc)) from None
        return Caller(user=key.user, key=key)
    if keys_only:
        raise ApiError("AUTHENTICATION_ERROR", KEYS_ONLY)
    token = jwt_in(request) or (request.GET.get("token") if allow_query_token else None)
    try:
        if token:
            user, _ = await sync_to_async(JWTAuthentication().user_and_token)(token)
            return Caller(user=user)
        user = await request.auser()
        if user.is_authenticated and user.is_active:
            if request.method not in SAFE_METHODS:
                SessionAuthentication().enforce_csrf(request)
            return Caller(user=user)
    except (exceptions.AuthenticationFailed, exceptions.PermissionDenied) as exc:
        raise _refused(exc) from None
    raise ApiError("AUTHENTICATION_ERROR", NO_CREDENTIALS)


def require_scope(caller: Caller, scope: str) -> None:
    if scope not in caller.scopes:
        raise ApiError("AUTHORIZATION_ERROR", f"This API key lacks the '{scope}' permission.")


def request_scopes(request: Request) -> frozenset[str]:
    """Scopes of a DRF request's credential; JWT and session users hold every scope."""
    return request.auth.scopes if isinstance(request.auth, VerifiedKey) else ALL_SCOPES


def HasScope(scope: str) -> type[BasePermission]:
    """A DRF permission class requiring `scope` (API keys); 403 AUTHORIZATION_ERROR without it."""

    class _HasScope(BasePermission):
        message = f"This API key lacks the '{scope}' permission."

        def has_permission(self, request: Request, view: Any) -> bool:
            return bool(request.user and request.user.is_authenticated) and scope in request_scopes(request)

    _HasScope.__name__ = f"HasScope_{scope.replace(':', '_')}"
    return _HasScope


def key_id_of(request: Request) -> int | None:
    """The API key a DRF request came with, for the ledger and the job rows."""
    return request.auth.key_id if isinstance(request.auth, VerifiedKey) else None
