"""JSON auth API (`/api/auth/...`), in the product spec's shapes."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import AccessToken

from accounts import services
from accounts.exports import account_export_start
from accounts.models import AccountExport, ExportStatus, User
from accounts.serializers import (
    LoginSerializer,
    LogoutSerializer,
    PasswordChangeSerializer,
    ProfileUpdateSerializer,
    RefreshSerializer,
    RegisterSerializer,
    UserSerializer,
)
from accounts.tokens import RefreshRefused, refresh_rotate, sign_out, tokens_for
from config.api.exceptions import ApiError
from config.api.renderers import WithMessage
from config.api.schema import errors

BAD_CREDENTIALS = "Invalid email or password."
VERIFY_EMAIL = "Verify your email address first: follow the link we sent to {email}, then sign in."


def require_verified_email(request: Request, user: User, *, send: bool = True) -> None:
    """Mandatory verification gives no tokens to an unverified account, as the sign-in page gives it
    no session; like that page, a refused sign-in sends the link again (rate-limited)."""
    if not services.user_needs_email_verification(user=user):
        return
    if send:
        services.user_send_email_verification(request=request._request, user=user)
    raise ApiError(
        "AUTHORIZATION_ERROR",
        VERIFY_EMAIL.format(email=user.email),
        {"email_verification_required": True, "email": user.email},
    )


def _login_attempt_key(group: str, request: Request) -> str:
    """The per-account limit counts the account, so padding or re-casing the email buys nothing."""
    return services.email_normal_form(request.data.get("email", ""))


def me_extras(user: User) -> dict[str, Any]:
    """Blocks other apps add to `/api/auth/me` (quota, api_keys); empty until they exist."""
    from accounts import hooks

    return hooks.me_extras(user)


class TokenPairSerializer(serializers.Serializer):
    """The schema of a JWT pair (tokens_for)."""

    token = serializers.CharField(help_text="Access token, for `Authorization: Bearer`.")
    refresh = serializers.CharField(help_text="Refresh token, for POST /api/auth/refresh.")


class SignedInSerializer(TokenPairSerializer):
    user = UserSerializer()


class RegisteredSerializer(serializers.Serializer):
    """Without email verification the new user is signed in; with it, they must verify first."""

    user = UserSerializer()
    token = serializers.CharField(required=False)
    refresh = serializers.CharField(required=False)
    email_verification_required = serializers.BooleanField(required=False)


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RegisterSerializer, responses={201: RegisteredSerializer, **errors(403)})
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
        services.user_send_email_verification(request=request._request, user=user, signup=True)
        if services.user_needs_email_verification(user=user):
            body = {
                "user": UserSerializer(user, context={"request": request}).data,
                "email_verification_required": True,
            }
            message = VERIFY_EMAIL.format(email=user.email)
            return Response(
                WithMessage(body, f"User registered successfully. {message}"), status=status.HTTP_201_CREATED
            )
        body = {"user": UserSerializer(user, context={"request": request}).data, **tokens_for(user)}
        return Response(WithMessage(body, "User registered successfully"), status=status.HTTP_201_CREATED)


class LoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=LoginSerializer, responses={200: SignedInSerializer, **errors(401, 403)})
    @method_decorator(ratelimit(key="ip", rate="10/m", block=False))
    @method_decorator(ratelimit(key=_login_attempt_key, rate="5/m", block=False))
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
        require_verified_email(request, user)
        body = {"user": UserSerializer(user, context={"request": request}).data, **tokens_for(user)}
        return Response(WithMessage(body, "Login successful"))


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: UserSerializer})
    def get(self, request: Request) -> Response:
        return Response({**UserSerializer(request.user, context={"request": request}).data, **me_extras(request.user)})


class ProfileView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ProfileUpdateSerializer, responses={200: UserSerializer})
    def put(self, request: Request) -> Response:
        serializer = ProfileUpdateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = services.user_update_profile(user=request.user, data=serializer.validated_data)
        return Response(
            WithMessage(UserSerializer(user, context={"request": request}).data, "Profile updated successfully")
        )

    patch = put


class PasswordView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PasswordChangeSerializer, responses={200: None})
    def put(self, request: Request) -> Response:
        require_verified_email(request, request.user, send=False)  # it answers with a new pair of tokens
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
        access = request.auth if isinstance(request.auth, AccessToken) else None
        sign_out(user=request.user, access=access, refresh=serializer.validated_data.get("refresh"))
        return Response(WithMessage(None, "Logout successful"))


class RefreshView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RefreshSerializer, responses={200: TokenPairSerializer, **errors(401, 403)})
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            with transaction.atomic():  # a refusal below leaves the refresh token unspent
                user, tokens = refresh_rotate(serializer.validated_data["refresh"])
                require_verified_email(request, user, send=False)
        except RefreshRefused as exc:
            raise ApiError("AUTHENTICATION_ERROR", str(exc)) from None
        return Response(WithMessage(tokens, "Token refreshed"))


class AccountExportSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = AccountExport
        fields = ["id", "status", "progress", "rows_total", "rows_done", "size", "error", "created_at",
                  "finished_at", "download_url"]  # fmt: skip

    def get_download_url(self, export: AccountExport) -> str | None:
        if export.status != ExportStatus.READY:
            return None
        return reverse("api-account-export-download", args=[export.pk])


class AccountExportView(APIView):
    """`POST`: prepare a copy of everything about oneself (a background job, gzip JSON lines);
    `GET`: the newest export, its progress, and where to download it when ready."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: AccountExportSerializer})
    def get(self, request: Request) -> Response:
        export = AccountExport.objects.filter(user=request.user).first()
        if export is None:
            raise ApiError("NOT_FOUND", "No export yet: POST to this URL to prepare one.")
        return Response(AccountExportSerializer(export).data)

    @extend_schema(request=None, responses={202: AccountExportSerializer})
    def post(self, request: Request) -> Response:
        export = account_export_start(user=request.user)
        return Response(WithMessage(AccountExportSerializer(export).data, "Export queued"), status=202)


class AccountExportDownloadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/gzip"): bytes})
    def get(self, request: Request, pk: Any) -> HttpResponseBase:
        export = AccountExport.objects.filter(pk=pk, user=request.user, status=ExportStatus.READY).first()
        if export is None or not export.file:
            raise ApiError("NOT_FOUND", "No such export, or it is not ready yet.")
        return FileResponse(
            export.file.open("rb"), as_attachment=True, filename=f"switchboard-export-{export.pk}.jsonl.gz",
            content_type="application/gzip",
        )  # fmt: skip


class AccountDeleteSerializer(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False, required=False)
    confirm = serializers.CharField(max_length=64, help_text='Type "DELETE" to confirm.')


class AccountView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=AccountDeleteSerializer, responses={200: None, **errors(400)})
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
