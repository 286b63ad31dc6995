"""`/api/users/profile` and `/api/users/settings`: the AI Pasta plan's user API, in its field names.

Like the account pages, they serve the signed-in user (a session or a JWT) and nobody else; an API
key, which is made for calling models, may not read or change the account. The profile takes JSON,
or multipart form data when it carries an `avatar` file (JSON `"avatar": null` removes the avatar).
"""

from typing import Any

from django.conf import settings
from django.http import QueryDict
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import avatars, services
from accounts.api_keys import VerifiedKey
from accounts.models import User
from accounts.serializers import (
    AvatarField,
    PreferencesSerializer,
    ProfileFieldsSerializer,
    absolute,
    preferences_data,
)
from config.api.exceptions import ApiError
from config.api.parsers import StrictJSONParser
from config.api.renderers import WithMessage

_MULTIPART_OVERHEAD = 64 * 1024  # form fields and boundaries around the file


class SignedInNotByKey(BasePermission):
    message = "The account is managed with a signed-in session or JWT, not an API key."

    def has_permission(self, request: Request, view: Any) -> bool:
        return not isinstance(request.auth, VerifiedKey)


class UserProfileUpdateSerializer(ProfileFieldsSerializer):
    display_name = None  # the plan calls it `name`
    name = serializers.CharField(source="display_name", max_length=50, required=False, allow_blank=True)
    avatar = AvatarField(required=False, allow_null=True, allow_empty_file=False)
    preferences = PreferencesSerializer(required=False)
    api_form = True

    def to_internal_value(self, data: Any) -> dict:
        # A form cannot carry the nested preferences; DRF would drop the field without a word.
        if isinstance(data, QueryDict) and "preferences" in data:
            raise serializers.ValidationError({"preferences": ["Send preferences as JSON, not form data."]})
        return super().to_internal_value(data)


# Only null is meant; an enum of [None] would be lifted into an empty enum component.
@extend_schema_field({"type": "string", "nullable": True, "maxLength": 0, "description": "null removes the avatar."})
class AvatarRemovalField(serializers.Field):
    """The schema of `avatar` in JSON, which can only remove it (an upload is multipart)."""


class UserProfileJSONSchema(UserProfileUpdateSerializer):
    avatar = AvatarRemovalField(required=False)


class UserProfileFormSchema(UserProfileUpdateSerializer):
    preferences = None


def user_profile_data(user: User, context: dict[str, Any]) -> dict[str, Any]:
    public_url = reverse("accounts:public-profile", args=[user.username]) if user.public_profile else None
    return {
        "id": str(user.pk),
        "username": user.username,
        "email": user.email,
        "name": user.display_name or user.username,
        "image": absolute(user.avatar_url, context),
        "bio": user.bio,
        "website": user.website,
        "github": user.github,
        "twitter": user.twitter,
        "public_profile": user.public_profile,
        "public_url": absolute(public_url, context),
        "preferences": preferences_data(user),
        "created_at": user.created_at.isoformat().replace("+00:00", "Z"),
    }


def _refuse_oversized_upload(request: Request) -> None:
    # Checked before the body is parsed: the avatar limit, not the JSON one, bounds a multipart body.
    if int(request.META.get("CONTENT_LENGTH") or 0) > settings.AVATAR_MAX_BYTES + _MULTIPART_OVERHEAD:
        message = avatars.too_large_message()
        raise ApiError("VALIDATION_ERROR", message, {"avatar": [message]})


class UserProfileView(APIView):
    permission_classes = [IsAuthenticated, SignedInNotByKey]
    parser_classes = [StrictJSONParser, MultiPartParser]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response(user_profile_data(request.user, {"request": request}))

    @extend_schema(
        request={"application/json": UserProfileJSONSchema, "multipart/form-data": UserProfileFormSchema},
        responses={200: dict},
    )
    def put(self, request: Request) -> Response:
        _refuse_oversized_upload(request)
        # partial: a field left out is left alone, also in form data (where DRF reads a missing box as False)
        serializer = UserProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        preferences = data.pop("preferences", {})
        user = services.user_update_profile(user=request.user, data={"profile": data, "preferences": preferences})
        return Response(WithMessage(user_profile_data(user, {"request": request}), "Profile updated successfully"))

    patch = put


class UserSettingsView(APIView):
    permission_classes = [IsAuthenticated, SignedInNotByKey]

    @extend_schema(responses={200: PreferencesSerializer})
    def get(self, request: Request) -> Response:
        return Response(preferences_data(request.user))

    @extend_schema(request=PreferencesSerializer, responses={200: PreferencesSerializer})
    def put(self, request: Request) -> Response:
        serializer = PreferencesSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, data={"preferences": serializer.validated_data})
        return Response(WithMessage(preferences_data(user), "Settings updated successfully"))

    patch = put
