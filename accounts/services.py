"""Account operations shared by the browser pages (allauth) and the JSON API."""

from typing import TYPE_CHECKING, Any

from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Status, User
from accounts.tokens import blacklist_all_refresh_tokens

if TYPE_CHECKING:
    from allauth.account.models import EmailAddress


def user_validate_password(*, password: str, user: User | None = None) -> None:
    password_validation.validate_password(password, user)


@transaction.atomic
def user_register(*, username: str, email: str, password: str) -> User:
    candidate = User(username=username, email=email.lower())
    user_validate_password(password=password, user=candidate)
    user = User.objects.create_user(email=email, username=username, password=password)
    _record_primary_email(user)
    return user


def _record_primary_email(user: User) -> "EmailAddress":
    from allauth.account.models import EmailAddress

    address, _ = EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"primary": True, "verified": False}
    )
    return address


def email_normal_form(value: object) -> str:
    """An email address as accounts compare it: stripped (as the serializers do) and case-folded."""
    return str(value).strip().casefold()


def user_needs_email_verification(*, user: User) -> bool:
    """Verification is mandatory and the account has no verified address (allauth's own rule)."""
    from allauth.account import app_settings
    from allauth.account.utils import has_verified_email

    mandatory = app_settings.EMAIL_VERIFICATION == app_settings.EmailVerificationMethod.MANDATORY
    return mandatory and not has_verified_email(user)


def user_send_email_verification(*, request: HttpRequest, user: User, signup: bool = False) -> bool:
    """Mail allauth's verification link for the account's address, within allauth's rate limit;
    False when nothing was sent (verification off, already verified, or sent moments ago)."""
    from allauth.account import app_settings
    from allauth.account.internal.flows.email_verification import consume_email_verification_rate_limit

    if app_settings.EMAIL_VERIFICATION == app_settings.EmailVerificationMethod.NONE:
        return False
    address = _record_primary_email(user)
    if address.verified or not consume_email_verification_rate_limit(request, address.email):
        return False
    address.send_confirmation(request, signup=signup)
    return True


def user_end_tokens(*, user: User) -> None:
    """Every JWT and refresh token issued so far stops working; API keys are checked afresh."""
    User.objects.filter(pk=user.pk).update(token_version=user.token_version + 1)
    user.token_version += 1
    blacklist_all_refresh_tokens(user)
    # API keys are verified from a short-lived cache; forget them so the next use sees the account.
    from accounts.api_keys import api_keys_forget_user

    api_keys_forget_user(user=user)


def user_end_sessions(*, user: User, keep_session_key: str | None = None) -> int:
    """Delete the user's browser sessions. Sessions are not indexed by user, so this scans them;
    it runs only on rare events (password change, suspension), never per request."""
    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.session_key != keep_session_key and session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def user_change_password(
    *, user: User, old_password: str, new_password: str, keep_session_key: str | None = None
) -> None:
    if not user.check_password(old_password):
        raise ValidationError({"oldPassword": ["The current password is not correct."]})
    user_validate_password(password=new_password, user=user)
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])
    user_after_password_change(user=user, keep_session_key=keep_session_key)


def user_after_password_change(*, user: User, keep_session_key: str | None = None) -> None:
    user_end_tokens(user=user)
    user_end_sessions(user=user, keep_session_key=keep_session_key)


@transaction.atomic
def user_suspend(*, user: User) -> None:
    user.status = Status.SUSPENDED
    user.suspended_at = timezone.now()
    user.save(update_fields=["status", "suspended_at", "updated_at"])
    user_end_tokens(user=user)
    user_end_sessions(user=user)


@transaction.atomic
def user_reactivate(*, user: User) -> None:
    user.status = Status.ACTIVE
    user.suspended_at = None
    user.save(update_fields=["status", "suspended_at", "updated_at"])


class MfaRequired(Exception):
    """Password was right, but the account has MFA on and no valid code was given."""


def user_authenticate(*, email: str, password: str, code: str | None = None) -> User | None:
    """Check credentials the way the sign-in page does; None for wrong email or password alike."""
    from django.contrib.auth import authenticate

    user = authenticate(email=email.lower(), password=password)
    if user is None:
        return None
    if user_has_mfa(user=user) and not user_check_mfa_code(user=user, code=code or ""):
        raise MfaRequired()
    return user


def user_has_mfa(*, user: User) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def user_check_mfa_code(*, user: User, code: str) -> bool:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    if not code:
        return False
    for authenticator in Authenticator.objects.filter(user=user):
        if authenticator.type == Authenticator.Type.TOTP and TOTP(authenticator).validate_code(code):
            return True
        if authenticator.type == Authenticator.Type.RECOVERY_CODES and RecoveryCodes(authenticator).validate_code(code):
            return True
    return False


_PROFILE_FIELDS = ("display_name", "bio", "website", "github", "twitter", "public_profile")
_PREFERENCE_FIELDS = ("theme", "language", "default_model")


@transaction.atomic
def user_update_profile(*, user: User, data: dict) -> User:
    """Apply validated profile/preference changes; an email change needs verifying again. An avatar
    (`profile.avatar`) is a clean image from accounts.avatars, or None to remove it."""
    changed: list[str] = []
    for field in ("username", "email"):
        if field in data and data[field] != getattr(user, field):
            setattr(user, field, data[field])
            changed.append(field)
    preferences = data.get("preferences", {})
    for field in _PREFERENCE_FIELDS:
        if field in preferences:
            setattr(user, field, preferences[field])
            changed.append(field)
    if "notifications" in preferences:
        user.notifications = {**user.notifications, **preferences["notifications"]}
        changed.append("notifications")
    for field in _PROFILE_FIELDS:
        if field in data.get("profile", {}):
            setattr(user, field, data["profile"][field])
            changed.append(field)
    if changed:
        user.save(update_fields=[*changed, "updated_at"])
    if "avatar" in data.get("profile", {}):
        _apply_avatar(user, data["profile"]["avatar"])
    if "email" in changed:
        from allauth.account.models import EmailAddress

        EmailAddress.objects.filter(user=user).update(primary=False)
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"primary": True, "verified": False}
        )
    return user


def _apply_avatar(user: User, image: bytes | None) -> None:
    from accounts import avatars

    if image:
        avatars.avatar_set(user=user, image=image)
    else:
        avatars.avatar_remove(user=user)


def user_export_profile(*, user: User) -> dict[str, list[Any]]:
    """The accounts app's sections of the export (accounts.exports adds every other app's)."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    from accounts.models import ApiKey
    from accounts.serializers import UserSerializer

    return {
        "export": [{"exported_at": timezone.now().isoformat(), "user_id": user.pk}],
        "profile": [UserSerializer(user).data],
        "api_keys": [
            {
                "name": k.name,
                "prefix": k.prefix,
                "scopes": k.scopes,
                "created_at": k.created_at.isoformat(),
                "expires_at": k.expires_at.isoformat() if k.expires_at else None,
                "revoked": k.revoked_at is not None,
            }
            for k in ApiKey.objects.filter(user=user)
        ],
        "email_addresses": list(EmailAddress.objects.filter(user=user).values("email", "verified", "primary")),
        "connected_accounts": list(SocialAccount.objects.filter(user=user).values("provider", "uid", "date_joined")),
    }


@transaction.atomic
def user_delete_account(*, user: User) -> None:
    """Remove personal data and end every way in; the row stays as an anonymous tombstone so the
    records that point at it (generations, usage) keep platform totals right."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    from accounts import hooks
    from accounts.exports import account_exports_erase
    from accounts.models import ApiKey

    hooks.erase_everywhere(user)
    account_exports_erase(user=user)
    ApiKey.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    user_end_tokens(user=user)  # also forgets the cached key verifications
    user_end_sessions(user=user)
    EmailAddress.objects.filter(user=user).delete()
    SocialAccount.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.username = f"deleted{user.pk}"
    user.status = Status.DELETED
    user.set_unusable_password()
    for field in ("bio", "website", "github", "twitter", "default_model"):
        setattr(user, field, "")
    user.public_profile = False
    user.display_name = ""
    user.save()
    _apply_avatar(user, None)
