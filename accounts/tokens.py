"""JWTs that die with the account state: a version claim and a deny-list for signed-out access tokens."""

from datetime import UTC, datetime

from django.core.cache import cache
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token

from accounts.models import User

VERSION_CLAIM = "ver"
_DENY_PREFIX = "jwt-deny:"


def tokens_for(user: User) -> dict[str, str]:
    refresh = RefreshToken.for_user(user)
    refresh[VERSION_CLAIM] = user.token_version
    return {"token": str(refresh.access_token), "refresh": str(refresh)}


def deny_access_token(token: Token) -> None:
    """Keep a signed-out access token refused until it would have expired anyway."""
    remaining = int(token["exp"] - datetime.now(tz=UTC).timestamp())
    if remaining > 0:
        cache.set(_DENY_PREFIX + token["jti"], 1, remaining + 1)


def is_access_denied(token: AccessToken) -> bool:
    return cache.get(_DENY_PREFIX + str(token.get("jti", ""))) is not None


def blacklist_all_refresh_tokens(user: User) -> None:
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in outstanding], ignore_conflicts=True)
