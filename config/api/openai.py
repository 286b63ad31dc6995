"""OpenAI's error shape, for everything under /v1: `{"error": {"message", "type", "param", "code"}}`.

Our errors carry the envelope's codes (config.api.exceptions.ApiError); this is where they are put
in OpenAI's words, so that OpenAI clients (which read `type` and `code`) understand them.
"""

from typing import Any

from django.http import JsonResponse

from config.api.exceptions import ApiError

# Envelope code -> (OpenAI error type, OpenAI error code).
VOCABULARY: dict[str, tuple[str, str | None]] = {
    "VALIDATION_ERROR": ("invalid_request_error", None),
    "AUTHENTICATION_ERROR": ("invalid_request_error", "invalid_api_key"),
    "AUTHORIZATION_ERROR": ("invalid_request_error", "insufficient_permissions"),
    "NOT_FOUND": ("invalid_request_error", "model_not_found"),
    "METHOD_NOT_ALLOWED": ("invalid_request_error", "method_not_allowed"),
    "RATE_LIMIT_EXCEEDED": ("requests", "rate_limit_exceeded"),
    "QUOTA_EXCEEDED": ("insufficient_quota", "insufficient_quota"),
    "PROVIDER_ERROR": ("api_error", "upstream_error"),
    "SERVICE_UNAVAILABLE": ("api_error", "service_unavailable"),
    "SERVER_ERROR": ("server_error", None),
}
RETRYABLE = frozenset({408, 409, 429})  # what OpenAI's SDKs retry below 500
UPSTREAM_TIMEOUT = 504  # OpenAI clients retry a gateway timeout; our envelope calls it a provider error


def _terms(exc: ApiError) -> tuple[str, str | None, int]:
    if exc.code == "PROVIDER_ERROR" and exc.details.get("kind") == "timeout":
        return "api_error", "upstream_timeout", UPSTREAM_TIMEOUT
    type_, code = VOCABULARY.get(exc.code, ("api_error", None))
    return type_, code, exc.status


def error_body(exc: ApiError, *, code: str | None = None) -> dict[str, Any]:
    type_, openai_code, _ = _terms(exc)
    return {"error": {"message": exc.message, "type": type_, "param": exc.param, "code": code or openai_code}}


def error_response(exc: ApiError, *, code: str | None = None) -> JsonResponse:
    """`exc` in OpenAI's shape, with its status and headers; `code` overrides OpenAI's error code."""
    status = _terms(exc)[2]
    response = JsonResponse(error_body(exc, code=code), status=status)
    if status < 500 and (status not in RETRYABLE or exc.code == "QUOTA_EXCEEDED"):
        # OpenAI's SDKs would not retry most of these anyway; an exhausted quota does not come back
        # within a client's retry window either.
        response["x-should-retry"] = "false"
    for name, value in exc.headers.items():
        response[name] = value
    return response
