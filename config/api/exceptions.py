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
    """An error a service raises with its envelope code; the status follows from the code."""

    def __init__(self, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail=message)
        self.code = code
        self.message = message
        self.details = details or {}
        self.status_code = ERROR_STATUS[code]
        self.headers = headers or {}


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


def _message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _message(detail[0])
    if isinstance(detail, dict):
        return "Some fields are invalid." if detail else "Invalid request."
    return str(detail)


def envelope_exception_handler(exc: Exception, context: dict) -> Response:
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
    if isinstance(exc.detail, dict) and not isinstance(exc, exceptions.ValidationError):
        # simplejwt's InvalidToken carries a dict (one entry per token type tried); its own summary
        # ("Token is invalid or expired") is what the client needs, not a field-error message.
        message = str(exc.default_detail)
    response = Response(error_body(code, message, details), status=status_code)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        response["Retry-After"] = str(int(exc.wait) + 1)
    auth_header = getattr(exc, "auth_header", None)
    if status_code == 401 and auth_header:
        response["WWW-Authenticate"] = auth_header
    return response
