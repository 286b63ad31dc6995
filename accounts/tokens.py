"""JWTs that die with the account state: a version claim, a deny-list for signed-out access tokens,
and token families, so that signing out ends every refresh token of that sign-in.

A sign-in starts a family; each refresh token carries the family's id (the `fam` claim, copied into
its access tokens) and a rotation passes it on. Spending a refresh token is one INSERT into
simplejwt's blacklist, whose unique constraint lets exactly one of any number of concurrent callers
through: one use, one new pair.
"""

import uuid
from datetime import UTC, datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken, Token, UntypedToken

from accounts.models import TokenFamily, User

VERSION_CLAIM = "ver"
FAMILY_CLAIM = "fam"
_DENY_PREFIX = "jwt-deny:"

INVALID_REFRESH = "The refresh token is invalid or expired."
ENDED_REFRESH = "The refresh token is no longer valid; sign in again."


class RefreshRefused(Exception):
    """A refresh token that cannot be spent; the message is for the client."""


def tokens_for(user: User, family: TokenFamily | None = None) -> dict[str, str]:
    """A new access/refresh pair: of a new sign-in, or the next pair of `family` (a rotation)."""
    refresh = RefreshToken.for_user(user)
    expires_at = datetime.fromtimestamp(refresh["exp"], tz=UTC)
    if family is None or family._state.adding:
        family = family or TokenFamily(user=user)
        family.expires_at = expires_at
        family.save()
    else:
        TokenFamily.objects.filter(pk=family.pk).update(expires_at=expires_at)
    refresh[VERSION_CLAIM] = user.token_version
    refresh[FAMILY_CLAIM] = str(family.pk)
    return {"token": str(refresh.access_token), "refresh": str(refresh)}


@transaction.atomic
def refresh_rotate(raw: str) -> tuple[User, dict[str, str]]:
    """Spend a refresh token on the next pair of its family, or raise RefreshRefused."""
    try:
        old = RefreshToken(raw)  # signature, expiry, and the blacklist for a token spent long ago
    except TokenError:
        raise RefreshRefused(INVALID_REFRESH) from None
    user = User.objects.filter(pk=old.get(api_settings.USER_ID_CLAIM)).first()
    if user is None or not user.is_active or old.get(VERSION_CLAIM, 0) != user.token_version:
        raise RefreshRefused(ENDED_REFRESH)
    family = _live_family(old, user)
    _spend(old, user)
    return user, tokens_for(user, family)


def _live_family(token: Token, user: User) -> TokenFamily:
    claim = token.get(FAMILY_CLAIM)
    if claim is None:
        return TokenFamily(user=user)  # issued before families existed: its rotation starts one
    try:
        family_id = uuid.UUID(str(claim))
    except ValueError:
        raise RefreshRefused(INVALID_REFRESH) from None
    # Locked: a sign-out of this family waits for a rotation in flight, then ends its result too.
    family = TokenFamily.objects.select_for_update().filter(pk=family_id, user=user, ended_at=None).first()
    if family is None:
        raise RefreshRefused(ENDED_REFRESH)
    return family


def _spend(token: Token, user: User) -> None:
    outstanding = OutstandingToken.objects.filter(jti=token[api_settings.JTI_CLAIM], user=user).first()
    if outstanding is None:
        raise RefreshRefused(INVALID_REFRESH)
    try:
        with transaction.atomic():
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError:
        raise RefreshRefused(INVALID_REFRESH) from None  # another caller spent it first


def family_end(*, user: User, family_id: object) -> None:
    """Every refresh token of this sign-in stops working (no-op for another user's family)."""
    try:
        family_uuid = uuid.UUID(str(family_id))
    except ValueError:
        return
    TokenFamily.objects.filter(pk=family_uuid, user=user, ended_at=None).update(ended_at=timezone.now())


def sign_out(*, user: User, access: AccessToken | None, refresh: str | None) -> None:
    """The JSON API's logout: the access token presented, its family, and the family of a refresh
    token named in the body (signed by us and the caller's own)."""
    if access is not None:
        deny_access_token(access)
        family_end(user=user, family_id=access.get(FAMILY_CLAIM))
    if refresh:
        _sign_out_refresh(user, refresh)


def _sign_out_refresh(user: User, raw: str) -> None:
    try:
        token = UntypedToken(raw)  # the signature, not the blacklist: a spent token still names its family
    except TokenError:
        return  # an already dead refresh token is what signing out wants anyway
    if str(token.get(api_settings.USER_ID_CLAIM)) != str(user.pk):
        return
    family_end(user=user, family_id=token.get(FAMILY_CLAIM))
    outstanding = OutstandingToken.objects.filter(jti=token.get(api_settings.JTI_CLAIM), user=user).first()
    if outstanding is not None:
        BlacklistedToken.objects.get_or_create(token=outstanding)


def deny_access_token(token: Token) -> None:
    """Keep a signed-out access token refused until it would have expired anyway."""
    remaining = int(token["exp"] - datetime.now(tz=UTC).timestamp())
    if remaining > 0:
        cache.set(_DENY_PREFIX + token["jti"], 1, remaining + 1)


def is_access_denied(token: AccessToken) -> bool:
    return cache.get(_DENY_PREFIX + str(token.get("jti", ""))) is not None


def blacklist_all_refresh_tokens(user: User) -> None:
    TokenFamily.objects.filter(user=user, ended_at=None).update(ended_at=timezone.now())
    outstanding = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in outstanding], ignore_conflicts=True)


def token_families_forget_expired() -> int:
    """Families whose newest refresh token has expired hold nothing any more."""
    deleted, _ = TokenFamily.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
