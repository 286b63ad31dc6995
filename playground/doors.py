"""What the async doors (REST chat/generate, SSE, OpenAI-compatible) share: who is calling, from where,
and how a refusal becomes a response. These views skip DRF: it is sync, and the hot path stays lean."""

import json
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware

from accounts.api_keys import ALL_SCOPES, InvalidApiKey, VerifiedKey, api_key_verify_async
from accounts.authentication import raw_api_key
from config.api.envelope import error_body, success_body
from config.errors import openai_error
from playground.services import GenerationError
from playground.services.admission import rate_headers


@dataclass(frozen=True)
class Caller:
    user: Any
    key: VerifiedKey | None = None
    via: str = "user"  # "user" or "api_key", for X-RateLimit-Identifier

    @property
    def scopes(self) -> frozenset[str]:
        return self.key.scopes if self.key else ALL_SCOPES

    @property
    def api_key_id(self) -> int | None:
        return self.key.key_id if self.key else None


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _jwt_user(request: HttpRequest, token: str | None) -> Any:
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

    from accounts.authentication import JWTAuthentication

    if token:
        request.META["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    try:
        result = JWTAuthentication().authenticate(request)  # type: ignore[arg-type]
    except (InvalidToken, TokenError, AuthenticationFailed) as exc:
        raise GenerationError("AUTHENTICATION_ERROR", str(getattr(exc, "detail", exc))) from None
    return result[0] if result else None


def _csrf_failure(request: HttpRequest) -> str | None:
    def no_view(_: HttpRequest) -> HttpResponse:
        return HttpResponse()

    check = CsrfViewMiddleware(no_view)
    check.process_request(request)
    response = check.process_view(request, None, (), {})  # type: ignore[arg-type]
    return None if response is None else "CSRF check failed."


async def authenticate(request: HttpRequest, *, keys_only: bool = False, allow_query_token: bool = False) -> Caller:
    """API key (X-API-Key or Bearer sk_live_), else JWT, else the browser session (CSRF-checked)."""
    raw = raw_api_key(request)
    if raw is not None:
        try:
            key = await api_key_verify_async(raw)
        except InvalidApiKey as exc:
            raise GenerationError("AUTHENTICATION_ERROR", str(exc)) from None
        request.api_key = key  # type: ignore[attr-defined]
        return Caller(user=key.user, key=key, via="api_key")
    if keys_only:
        raise GenerationError("AUTHENTICATION_ERROR", "Provide an API key as 'Authorization: Bearer sk_live_...'.")
    token = request.GET.get("token") if allow_query_token else None
    if request.headers.get("Authorization") or token:
        user = await sync_to_async(_jwt_user)(request, token)
        if user is not None:
            return Caller(user=user)
    user = await request.auser()
    if user.is_authenticated and user.is_active:
        if request.method not in ("GET", "HEAD", "OPTIONS") and _csrf_failure(request):
            raise GenerationError("AUTHORIZATION_ERROR", "CSRF check failed.")
        return Caller(user=user)
    raise GenerationError("AUTHENTICATION_ERROR", "Authentication credentials were not provided.")


def require_scope(caller: Caller, scope: str) -> None:
    if scope not in caller.scopes:
        raise GenerationError("AUTHORIZATION_ERROR", f"This API key lacks the '{scope}' permission.")


def json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raise GenerationError("VALIDATION_ERROR", f"The request body is larger than {limit} bytes.") from None
    except (ValueError, UnicodeDecodeError):
        raise GenerationError("VALIDATION_ERROR", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise GenerationError("VALIDATION_ERROR", "The request body must be a JSON object.")
    return data


def remember_admission(request: HttpRequest, error_or_prep: Any, caller: Caller | None = None) -> None:
    """Leave the admission on the request; the headers middleware turns it into X-RateLimit-*."""
    admission = getattr(error_or_prep, "admission", None)
    if admission is not None:
        request.rate_info = admission  # type: ignore[attr-defined]
        request.rate_identifier = caller.via if caller else "user"  # type: ignore[attr-defined]


def envelope_error(exc: GenerationError) -> JsonResponse:
    response = JsonResponse(error_body(exc.code, exc.message, exc.details), status=_status(exc.code))
    for name, value in exc.headers.items():
        response[name] = value
    return response


def openai_failure(exc: GenerationError) -> JsonResponse:
    type_, code, status = exc.openai()
    response = openai_error(exc.message, status, type_, code, exc.param)
    for name, value in exc.headers.items():
        response[name] = value
    return response


def _status(code: str) -> int:
    from config.api.envelope import ERROR_STATUS

    return ERROR_STATUS.get(code, 500)


def envelope(data: Any, status: int = 200, message: str = "") -> JsonResponse:
    return JsonResponse(success_body(data, message), status=status)


def set_overhead(response: HttpResponse, overhead_ms: float) -> None:
    response["X-Gateway-Overhead-Ms"] = f"{overhead_ms:.2f}"


__all__ = ["Caller", "authenticate", "envelope", "envelope_error", "json_body", "openai_failure", "rate_headers"]
