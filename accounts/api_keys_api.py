"""`/api/v1/api-keys`: create (the full key is shown once), list, read, rename/rescope, revoke, rotate."""

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import api_keys
from accounts.models import ApiKey, ApiKeyScope
from config.api.exceptions import ApiError
from config.api.fields import StrictSerializer
from config.api.renderers import WithMessage


class ApiKeyCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100)
    permissions = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiKeyScope.values), allow_empty=False, min_length=1, required=False
    )
    expires_in = serializers.IntegerField(min_value=1, max_value=3650, required=False, allow_null=True)


class ApiKeyUpdateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False)
    permissions = serializers.ListField(
        child=serializers.ChoiceField(choices=ApiKeyScope.values), allow_empty=False, min_length=1, required=False
    )


class ApiKeyRotateSerializer(StrictSerializer):
    grace_hours = serializers.IntegerField(
        min_value=0,
        max_value=api_keys.MAX_ROTATION_GRACE_HOURS,
        default=api_keys.DEFAULT_ROTATION_GRACE_HOURS,
        help_text="How long the old key keeps working; 0 ends it at once.",
    )
    expires_in = serializers.IntegerField(
        min_value=1,
        max_value=3650,
        required=False,
        allow_null=True,
        help_text="Days until the new key expires (null: never); by default the old key's lifetime.",
    )


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def api_key_data(key: ApiKey, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    data = {
        "id": str(key.pk),
        "name": key.name,
        "prefix": key.prefix,
        "permissions": key.scopes,
        "created_at": _iso(key.created_at),
        "updated_at": _iso(key.updated_at),
        "expires_at": _iso(key.expires_at),
        "last_used": _iso(usage["last_used"]) if usage else _iso(key.last_used_at),
        "rotated_from": str(key.replaces_id) if key.replaces_id else None,
        "replaced_by": _replaced_by(key),
    }
    if usage is not None:
        data["usage_count"] = usage["usage_count"]
    return data


def _replaced_by(key: ApiKey) -> str | None:
    try:
        return str(key.replaced_by.pk)
    except ApiKey.DoesNotExist:
        return None


def _own_key(request: Request, key_id: int) -> ApiKey:
    # Another user's key and a revoked key are both simply "not found" to the caller.
    keys = ApiKey.objects.select_related("replaced_by")
    return get_object_or_404(keys, pk=key_id, user=request.user, revoked_at__isnull=True)


def _refuse_key_management_by_key(request: Request) -> None:
    if isinstance(request.auth, api_keys.VerifiedKey):
        raise ApiError("AUTHORIZATION_ERROR", "API keys are managed with a signed-in session or JWT, not a key.")


def _refuse_unverified(request: Request) -> None:
    # An access token issued before verification became mandatory must not mint a lasting key.
    from accounts.api import require_verified_email

    require_verified_email(request, request.user, send=False)


class ApiKeyListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict}, operation_id="api_keys_list")
    def get(self, request: Request) -> Response:
        _refuse_key_management_by_key(request)
        keys = list(ApiKey.objects.filter(user=request.user, revoked_at__isnull=True).select_related("replaced_by"))
        usage = api_keys.api_key_usage_view(keys)
        return Response({"api_keys": [api_key_data(k, usage[k.pk]) for k in keys]})

    @extend_schema(request=ApiKeyCreateSerializer, responses={201: dict})
    def post(self, request: Request) -> Response:
        _refuse_key_management_by_key(request)
        _refuse_unverified(request)
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        expires_in = data.get("expires_in", api_keys.DEFAULT_EXPIRES_IN_DAYS)
        key, raw = api_keys.api_key_create(
            user=request.user,
            name=data["name"],
            scopes=data.get("permissions") or ["ai:read", "ai:write", "usage:read"],
            expires_in_days=expires_in,
        )
        body = {"api_key": {**api_key_data(key), "key": raw}}
        return Response(WithMessage(body, "API key created successfully"), status=status.HTTP_201_CREATED)


class ApiKeyDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, key_id: int) -> Response:
        _refuse_key_management_by_key(request)
        key = _own_key(request, key_id)
        return Response({"api_key": api_key_data(key, api_keys.api_key_usage_view([key])[key.pk])})

    @extend_schema(request=ApiKeyUpdateSerializer, responses={200: dict})
    def put(self, request: Request, key_id: int) -> Response:
        _refuse_key_management_by_key(request)
        key = _own_key(request, key_id)
        serializer = ApiKeyUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = api_keys.api_key_update(
            key=key, name=serializer.validated_data.get("name"), scopes=serializer.validated_data.get("permissions")
        )
        return Response(WithMessage({"api_key": api_key_data(key)}, "API key updated successfully"))

    patch = put

    @extend_schema(responses={200: None})
    def delete(self, request: Request, key_id: int) -> Response:
        _refuse_key_management_by_key(request)
        api_keys.api_key_revoke(key=_own_key(request, key_id))
        return Response(WithMessage(None, "API key deleted successfully"))


class ApiKeyRotateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ApiKeyRotateSerializer, responses={201: dict})
    def post(self, request: Request, key_id: int) -> Response:
        _refuse_key_management_by_key(request)
        key = _own_key(request, key_id)
        _refuse_unverified(request)
        serializer = ApiKeyRotateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            new, raw = api_keys.api_key_rotate(
                key=key,
                grace_hours=data["grace_hours"],
                expires_in_days=data.get("expires_in", api_keys.api_key_lifetime_days(key)),
            )
        except api_keys.AlreadyRotated as exc:
            raise ApiError("VALIDATION_ERROR", str(exc), {"id": [str(exc)]}) from None
        key.refresh_from_db()
        body = {"api_key": {**api_key_data(new), "key": raw}, "previous_key": api_key_data(key)}
        return Response(WithMessage(body, "API key rotated successfully"), status=status.HTTP_201_CREATED)
