"""The one response envelope of the REST API (product spec)."""

from typing import TYPE_CHECKING, Any

from django.http import JsonResponse
from django.utils import timezone

if TYPE_CHECKING:
    from config.api.exceptions import ApiError

ERROR_STATUS = {
    "VALIDATION_ERROR": 400,
    "AUTHENTICATION_ERROR": 401,
    "AUTHORIZATION_ERROR": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "RATE_LIMIT_EXCEEDED": 429,
    "QUOTA_EXCEEDED": 429,
    "SERVER_ERROR": 500,
    "PROVIDER_ERROR": 502,
    "SERVICE_UNAVAILABLE": 503,
}


def now_iso() -> str:
    return timezone.now().isoformat().replace("+00:00", "Z")


def success_body(data: Any = None, message: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"success": True, "data": data, "timestamp": now_iso()}
    if message:
        body["message"] = message
    return body


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {
        "success": False,
        "error": {"message": message, "code": code, "details": details if details is not None else {}},
        "timestamp": now_iso(),
    }


def envelope_response(data: Any = None, *, status: int = 200, message: str = "") -> JsonResponse:
    """A success in the envelope, for views outside DRF (the async doors)."""
    return JsonResponse(success_body(data, message), status=status)


def error_response(exc: "ApiError") -> JsonResponse:
    """An ApiError in the envelope, with its status and headers, for views outside DRF."""
    response = JsonResponse(error_body(exc.code, exc.message, exc.details), status=exc.status)
    for name, value in exc.headers.items():
        response[name] = value
    return response
