"""One exception handler: every API error leaves in the envelope with a documented code."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from config.api.envelope import ERROR_STATUS, error_body

logger = logging.getLogger(__name__)


class ApiError(exceptions.APIException):
    """The one error type: raised by services and views alike, rendered by each door in its own shape
    (the envelope on REST and the pages' streams, OpenAI's error on /v1: config.api.openai).

    `code` is the envelope's word (the status follows from it unless given), `details` the fields
    at fault, `headers` what the response must carry (Retry-After, X-RateLimit-*), `param` the one
    request field OpenAI's shape names."""

    def __init__(
        self,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
        *,
        param: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(detail=message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.status_code = status or ERROR_STATUS[code]
        self.headers = headers or {}
        self.param = param

    @property
    def status(self) -> int:
        return self.status_code


_DRF_CODES: list[tuple[type[Exception], str]] = [
    (exceptions.ValidationError, "VALIDATION_ERROR"),
    (exceptions.ParseError, "VALIDATION_ERROR"),
    (exceptions.UnsupportedMediaType, "VALIDATION_ERROR"),
    (exceptions.NotAuthenticated, "AUTHENTICATION_ERROR"),
    (exceptions.AuthenticationFailed, "AUTHENTICATION_ERROR"),
    (exceptions.PermissionDenied, "AUTHORIZATION_ERROR"),
    (exceptions.NotFound, "NOT_FOUND"),
    (exceptions.MethodNotAllowed, "METHOD_NOT_ALLOWED"),
    (exceptions.NotAcceptable, "VALIDATION_ERROR"),
    (exceptions.Throttled, "RATE_LIMIT_EXCEEDED"),
]


OUTAGE_RETRY_AFTER_SECONDS = 5


def _is_outage(exc: BaseException) -> bool:
    import redis
    from django_redis.exceptions import ConnectionInterrupted

    # ReadOnlyError: a replica being promoted during a failover refuses writes for a moment.
    return isinstance(exc, redis.ConnectionError | redis.TimeoutError | redis.ReadOnlyError | ConnectionInterrupted)


def outage(exc: BaseException | None) -> ApiError | None:
    """SERVICE_UNAVAILABLE for an error that says Redis (the counters, the cache, the ledger's queue)
    cannot be reached right now, whatever wrapped it; None for any other error. Nothing was counted
    or charged: admission and settlement are single atomic steps that did not run."""
    seen = 0
    while exc is not None and seen < 8:
        if _is_outage(exc):
            message = "The service is briefly unavailable (its shared store cannot be reached); retry shortly."
            return ApiError("SERVICE_UNAVAILABLE", message, headers={"Retry-After": str(OUTAGE_RETRY_AFTER_SECONDS)})
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return None


def _message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _message(detail[0])
    if isinstance(detail, dict):
        # A library's error with its own sentence (simplejwt: {"detail": ..., "code": ...}) keeps it.
        if "detail" in detail:
            return _message(detail["detail"])
        return "Some fields are invalid." if detail else "Invalid request."
    return str(detail)


def envelope_exception_handler(exc: Exception, context: dict) -> Response:
    if (unavailable := outage(exc)) is not None:
        logger.warning("API call refused while Redis is unreachable: %s", exc)
        exc = unavailable
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = exceptions.ParseError("Request body is too large.")

    if isinstance(exc, ApiError):
        response = Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    if not isinstance(exc, exceptions.APIException):
        logger.exception("Unhandled API error", exc_info=exc)
        return Response(error_body("SERVER_ERROR", "Something went wrong on our side."), status=500)

    code = next((c for cls, c in _DRF_CODES if isinstance(exc, cls)), "SERVER_ERROR")
    status_code = exc.status_code
    if isinstance(exc, exceptions.UnsupportedMediaType):
        status_code = status.HTTP_400_BAD_REQUEST
    if isinstance(exc, exceptions.AuthenticationFailed | exceptions.NotAuthenticated):
        status_code = status.HTTP_401_UNAUTHORIZED
    details = exc.detail if isinstance(exc, exceptions.ValidationError) else {}
    message = "Some fields are invalid." if isinstance(exc, exceptions.ValidationError) else _message(exc.detail)
    response = Response(error_body(code, message, details), status=status_code)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        response["Retry-After"] = str(int(exc.wait) + 1)
    auth_header = getattr(exc, "auth_header", None)
    if status_code == 401 and auth_header:
        response["WWW-Authenticate"] = auth_header
    return response
