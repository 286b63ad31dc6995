"""One error type for every door; each door renders it in its own shape (envelope, OpenAI, SSE)."""

from typing import Any

# Envelope code -> (OpenAI error type, OpenAI error code, HTTP status) for the /v1/ door.
_OPENAI: dict[str, tuple[str, str | None, int]] = {
    "VALIDATION_ERROR": ("invalid_request_error", None, 400),
    "AUTHENTICATION_ERROR": ("invalid_request_error", "invalid_api_key", 401),
    "AUTHORIZATION_ERROR": ("invalid_request_error", "insufficient_permissions", 403),
    "NOT_FOUND": ("invalid_request_error", "model_not_found", 404),
    "RATE_LIMIT_EXCEEDED": ("requests", "rate_limit_exceeded", 429),
    "QUOTA_EXCEEDED": ("insufficient_quota", "insufficient_quota", 429),
    "PROVIDER_ERROR": ("api_error", "upstream_error", 502),
    "SERVICE_UNAVAILABLE": ("api_error", "service_unavailable", 503),
    "SERVER_ERROR": ("server_error", None, 500),
}


class GenerationError(Exception):
    """A refusal or failure with an envelope code, optional field details and response headers."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        param: str | None = None,
        upstream_timeout: bool = False,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.headers = headers or {}
        self.param = param
        self.upstream_timeout = upstream_timeout
        self.admission: Any = None  # usage.limits.Admission when a limit refused the call

    def with_admission(self, admission: Any) -> "GenerationError":
        self.admission = admission
        return self

    def openai(self) -> tuple[str, str | None, int]:
        """(type, code, status) in OpenAI's terms; an upstream timeout is a 504."""
        type_, code, status = _OPENAI.get(self.code, ("api_error", None, 500))
        if self.upstream_timeout:
            return "api_error", "upstream_timeout", 504
        return type_, code, status
