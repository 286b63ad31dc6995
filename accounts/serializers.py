from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts import avatars
from accounts.models import Theme, User, username_validator
from config.api.fields import StrictSerializer


def absolute(path: str | None, context: dict[str, Any]) -> str | None:
    """A site path as a full URL when the request is known (API clients may live on other origins)."""
    request = context.get("request")
    return request.build_absolute_uri(path) if path and request is not None else path


def preferences_data(user: User) -> dict[str, Any]:
    return {
        "theme": user.theme,
        "language": user.language,
        "default_model": user.default_model,
        "notifications": user.notifications,
    }


class UserSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="pk", read_only=True)
    preferences = serializers.SerializerMethodField()
    profile = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "tier",
            "role",
            "status",
            "preferences",
            "profile",
            "created_at",
            "updated_at",
        ]

    def get_preferences(self, user: User) -> dict:
        return preferences_data(user)

    def get_profile(self, user: User) -> dict:
        return {
            "display_name": user.display_name,
            "avatar": absolute(user.avatar_url, self.context),
            "bio": user.bio,
            "website": user.website,
            "github": user.github,
            "twitter": user.twitter,
            "public_profile": user.public_profile,
        }


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=30, validators=[username_validator])
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError("This username is taken.")
        return value

    def validate_email(self, value: str) -> str:
        if User.objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError("An account with this email already exists.")
        return value.lower()

    def validate(self, attrs: dict) -> dict:
        from accounts.services import user_validate_password

        try:
            user_validate_password(
                password=attrs["password"], user=User(username=attrs["username"], email=attrs["email"])
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class LoginSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    code = serializers.CharField(max_length=16, required=False, help_text="TOTP or recovery code when MFA is on.")


class NotificationsSerializer(StrictSerializer):
    email = serializers.BooleanField(required=False)
    quota_warnings = serializers.BooleanField(required=False)
    job_updates = serializers.BooleanField(required=False)
    product_updates = serializers.BooleanField(required=False)


class PreferencesSerializer(StrictSerializer):
    theme = serializers.ChoiceField(choices=Theme.choices, required=False)
    language = serializers.CharField(max_length=16, required=False)
    default_model = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notifications = NotificationsSerializer(required=False)


class AvatarField(serializers.FileField):
    """An uploaded image, judged and re-encoded by accounts.avatars; the value is the clean WebP."""

    def to_internal_value(self, data: Any) -> bytes:
        upload = super().to_internal_value(data)
        try:
            return avatars.avatar_image(upload, upload.size)
        except avatars.AvatarRefused as exc:
            raise serializers.ValidationError(str(exc)) from None


class ProfileFieldsSerializer(StrictSerializer):
    display_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    bio = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    website = serializers.URLField(required=False, allow_blank=True)
    github = serializers.RegexField(r"^[A-Za-z0-9-]{0,39}$", required=False, allow_blank=True)
    twitter = serializers.RegexField(r"^[A-Za-z0-9_]{0,15}$", required=False, allow_blank=True)
    public_profile = serializers.BooleanField(required=False)


class ProfileUpdateSerializer(StrictSerializer):
    username = serializers.CharField(max_length=30, validators=[username_validator], required=False)
    email = serializers.EmailField(max_length=254, required=False)
    preferences = PreferencesSerializer(required=False)
    profile = ProfileFieldsSerializer(required=False)

    def validate_username(self, value: str) -> str:
        user = self.context["request"].user
        if User.objects.filter(username__iexact=value).exclude(pk=user.pk).exists():
            raise serializers.ValidationError("This username is taken.")
        return value

    def validate_email(self, value: str) -> str:
        user = self.context["request"].user
        if User.objects.filter(email__iexact=value).exclude(pk=user.pk).exists():
            raise serializers.ValidationError("An account with this email already exists.")
        return value.lower()


class PasswordChangeSerializer(serializers.Serializer):
    oldPassword = serializers.CharField(max_length=128, trim_whitespace=False)
    newPassword = serializers.CharField(max_length=128, trim_whitespace=False)


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=2000)


class LogoutSerializer(StrictSerializer):
    refresh = serializers.CharField(max_length=2000, required=False)
