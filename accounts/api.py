"""JSON auth API (`/api/auth/...`), in the product spec's shapes."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from accounts import services
from accounts.models import User
from accounts.serializers import (
    LoginSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    ProfileUpdateSerializer,
    RefreshSerializer,
    RegisterSerializer,
    UserSerializer,
)
from accounts.tokens import VERSION_CLAIM, deny_access_token, tokens_for
from config.api.exceptions import ApiError
from config.api.renderers import WithMessage

BAD_CREDENTIALS = "Invalid email or password."


def me_extras(user: User) -> dict[str, Any]:
    """Blocks other apps add to `/api/auth/me` (quota, api_keys); empty until they exist."""
    from accounts import hooks

    return hooks.me_extras(user)


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    @method_decorator(ratelimit(key="ip", rate="20/m", block=False))
    def post(self, request: Request) -> Response:
        if getattr(request, "limited", False):
            raise ApiError(
                "RATE_LIMIT_EXCEEDED",
                "Too many sign-ups from this address; try again in a minute.",
                headers={"Retry-After": "60"},
            )
        from accounts.hooks import signup_open

        if not signup_open():
            raise ApiError("AUTHORIZATION_ERROR", "Sign-up is closed on this server.")
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.user_register(**serializer.validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        body = {"user": UserSerializer(user).data, **tokens_for(user)}
        return Response(WithMessage(body, "User registered successfully"), status=status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=LoginSerializer, responses={200: UserSerializer})
    @method_decorator(ratelimit(key="ip", rate="10/m", block=False))
    @method_decorator(
        ratelimit(key=lambda group, request: str(request.data.get("email", "")).lower(), rate="5/m", block=False)
    )
    def post(self, request: Request) -> Response:
        if getattr(request, "limited", False):
            raise ApiError(
                "RATE_LIMIT_EXCEEDED",
                "Too many sign-in attempts; try again in a minute.",
                headers={"Retry-After": "60"},
            )
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.user_authenticate(**serializer.validated_data)
        except services.MfaRequired:
            raise ApiError(
                "AUTHENTICATION_ERROR", "A valid two-factor code is required.", {"mfa_required": True}
            ) from None
        if user is None:
            raise ApiError("AUTHENTICATION_ERROR", BAD_CREDENTIALS)
        body = {"user": UserSerializer(user).data, **tokens_for(user)}
        return Response(WithMessage(body, "Login successful"))


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: UserSerializer})
    def get(self, request: Request) -> Response:
        return Response({**UserSerializer(request.user).data, **me_extras(request.user)})


class ProfileView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ProfileUpdateSerializer, responses={200: UserSerializer})
    def put(self, request: Request) -> Response:
        serializer = ProfileUpdateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, data=serializer.validated_data)
        return Response(WithMessage(UserSerializer(user).data, "Profile updated successfully"))

    patch = put


class PasswordView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PasswordChangeSerializer, responses={200: None})
    def put(self, request: Request) -> Response:
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.user_change_password(
                user=request.user,
                old_password=serializer.validated_data["oldPassword"],
                new_password=serializer.validated_data["newPassword"],
                keep_session_key=request.session.session_key if hasattr(request, "session") else None,
            )
        except DjangoValidationError as exc:
            details = exc.message_dict if hasattr(exc, "error_dict") else {"newPassword": exc.messages}
            raise serializers.ValidationError(details) from exc
        body = tokens_for(request.user)
        return Response(WithMessage(body, "Password changed successfully"))


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=LogoutSerializer, responses={200: None})
    def post(self, request: Request) -> Response:
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if isinstance(request.auth, AccessToken):
            deny_access_token(request.auth)
        if refresh := serializer.validated_data.get("refresh"):
            try:
                token = RefreshToken(refresh)
                if str(token.get("user_id")) == str(request.user.pk):
                    token.blacklist()
            except TokenError:
                pass  # an already dead refresh token is what signing out wants anyway
        return Response(WithMessage(None, "Logout successful"))


class RefreshView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RefreshSerializer, responses={200: None})
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            old = RefreshToken(serializer.validated_data["refresh"])
            user = User.objects.get(pk=old["user_id"])
        except (TokenError, User.DoesNotExist, KeyError):
            raise ApiError("AUTHENTICATION_ERROR", "The refresh token is invalid or expired.") from None
        if not user.is_active or old.get(VERSION_CLAIM, 0) != user.token_version:
            raise ApiError("AUTHENTICATION_ERROR", "The refresh token is no longer valid; sign in again.")
        try:
            old.blacklist()
        except TokenError:
            raise ApiError("AUTHENTICATION_ERROR", "The refresh token is invalid or expired.") from None
        return Response(WithMessage(tokens_for(user), "Token refreshed"))


class AccountExportView(APIView):
    """Download everything about oneself as JSON."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        response = Response(services.user_export(user=request.user))
        response["Content-Disposition"] = f'attachment; filename="switchboard-export-{request.user.pk}.json"'
        return response


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False, required=False)
    confirm = serializers.CharField(max_length=64, help_text='Type "DELETE" to confirm.')


class AccountView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=AccountDeleteSerializer, responses={200: None})
    def delete(self, request: Request) -> Response:
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if serializer.validated_data["confirm"] != "DELETE":
            raise ApiError("VALIDATION_ERROR", 'Type "DELETE" to confirm.', {"confirm": ["Must be DELETE."]})
        user = request.user
        if user.has_usable_password() and not user.check_password(serializer.validated_data.get("password", "")):
            raise ApiError("VALIDATION_ERROR", "The password is not correct.", {"password": ["Not correct."]})
        services.user_delete_account(user=user)
        return Response(WithMessage(None, "Account deleted"))
