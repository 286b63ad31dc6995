"""Turning HTTP statuses, error bodies and transport failures into ProviderError."""

from __future__ import annotations

import json
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from providers.base import ErrorKind, ProviderError
from providers.http import BlockedAddress

_STATUS_KINDS: dict[int, ErrorKind] = {
    400: "bad_request",
    401: "authentication",
    402: "quota_exhausted",
    403: "permission",
    404: "model_not_found",
    408: "timeout",
    409: "unavailable",
    413: "bad_request",
    422: "bad_request",
    429: "rate_limited",
    504: "timeout",
    524: "timeout",
}


def kind_for_status(status: int) -> ErrorKind:
    if status in _STATUS_KINDS:
        return _STATUS_KINDS[status]
    return "unavailable" if status >= 500 else "bad_request"


def parse_retry_after(headers: httpx.Headers | dict[str, str]) -> float | None:
    """Seconds to wait, from `retry-after-ms`, or `Retry-After` as seconds or an HTTP date."""
    lowered = {k.lower(): v for k, v in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def load_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def error_fields(payload: Any) -> tuple[str | None, str | None, str | None]:
    """(message, code, type) from the common error envelopes: {"error": {...}} or {"error": "..."}."""
    if not isinstance(payload, dict):
        return None, None, None
    error = payload.get("error")
    if isinstance(error, str):
        return error, None, payload.get("error_type")
    if isinstance(error, dict):
        code = error.get("code")
        return error.get("message"), None if code is None else str(code), error.get("type")
    message = payload.get("message") or payload.get("detail")
    return (message if isinstance(message, str) else None), None, None


def http_error(provider: str, response: httpx.Response, body: bytes) -> ProviderError:
    """The generic mapping; adapters refine it where their provider differs."""
    status = response.status_code
    message, code, err_type = error_fields(load_json(body))
    text = message or body.decode("utf-8", "replace").strip()[:500] or response.reason_phrase
    kind = kind_for_status(status)
    if status == 429 and "insufficient_quota" in (code, err_type):
        kind = "quota_exhausted"  # shares 429 with rate limits, but waiting will not help
    retryable = None if kind != "quota_exhausted" else False
    should_retry = response.headers.get("x-should-retry")
    if should_retry in ("true", "false"):
        retryable = should_retry == "true"
    return ProviderError(
        kind,
        text,
        status=status,
        retry_after=parse_retry_after(response.headers),
        provider=provider,
        retryable=retryable,
        code=code,
    )


def transport_error(provider: str, exc: Exception) -> ProviderError:
    if isinstance(exc, BlockedAddress):
        return ProviderError("bad_request", str(exc), provider=provider, retryable=False)
    if isinstance(exc, httpx.ConnectTimeout):
        return ProviderError("timeout", f"connecting timed out: {exc}", provider=provider, retryable=True)
    if isinstance(exc, httpx.TimeoutException):
        # Not retried: the upstream may still be working, and a retry would multiply the wait.
        return ProviderError("timeout", f"upstream timed out: {exc!r}", provider=provider, retryable=False)
    if isinstance(exc, httpx.ConnectError):
        return ProviderError("unavailable", f"cannot connect: {exc}", provider=provider, retryable=True)
    if isinstance(exc, httpx.TransportError):
        return ProviderError("unavailable", f"connection failed: {exc!r}", provider=provider, retryable=True)
    return ProviderError("protocol", f"unexpected response: {exc!r}", provider=provider, retryable=False)


def protocol_error(provider: str, detail: str) -> ProviderError:
    return ProviderError("protocol", detail, provider=provider, retryable=False)
