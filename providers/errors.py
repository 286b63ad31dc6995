"""Turning HTTP statuses, error bodies and transport failures into ProviderError."""

from __future__ import annotations

import json
import re
import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from providers.base import SAFE_MESSAGES, ErrorKind, ProviderError
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


# Kinds whose cause is in the caller's own request: the provider's words help the caller fix it.
_CALLER_KINDS = frozenset({"bad_request", "content_filter"})
_SECRETS = re.compile(r"\b(sk|hf|rk|pk)[-_][A-Za-z0-9*._-]{6,}")
MAX_SHOWN = 300


def client_message(kind: ErrorKind, provider_words: str | None) -> str:
    """What a client may read: the provider's own short message for a request it refused as bad,
    our sentence for everything else (credentials, quotas, outages: the operator's business)."""
    if kind in _CALLER_KINDS and provider_words:
        words = " ".join(provider_words.split())
        if words and "<" not in words[:1]:  # never an HTML page
            words = _SECRETS.sub("[redacted]", words)
            return words if len(words) <= MAX_SHOWN else words[: MAX_SHOWN - 1] + "…"
    return SAFE_MESSAGES[kind]


def http_error(provider: str, response: httpx.Response, body: bytes) -> ProviderError:
    """The generic mapping; adapters refine it where their provider differs."""
    status = response.status_code
    message, code, err_type = error_fields(load_json(body))
    raw = body.decode("utf-8", "replace").strip()[:2000]
    kind = kind_for_status(status)
    if status == 429 and "insufficient_quota" in (code, err_type):
        kind = "quota_exhausted"  # shares 429 with rate limits, but waiting will not help
    retryable = None if kind != "quota_exhausted" else False
    should_retry = response.headers.get("x-should-retry")
    if should_retry in ("true", "false"):
        retryable = should_retry == "true"
    return ProviderError(
        kind,
        client_message(kind, message),
        status=status,
        retry_after=parse_retry_after(response.headers),
        provider=provider,
        retryable=retryable,
        code=code,
        detail=message or raw or response.reason_phrase,
    )


BLOCKED_ADDRESS = "blocked_address"  # ProviderError.code of a call refused before connecting


def transport_error(provider: str, exc: Exception) -> ProviderError:
    detail = f"{exc.__class__.__name__}: {exc}"
    if isinstance(exc, BlockedAddress):
        # Our refusal, not the provider's: the address is kept to the detail (logs, the admin's probe).
        message = (
            "The gateway did not call the provider: its URL leads to a private, loopback or link-local "
            "address, which this server does not call. An administrator must correct the provider's URL."
        )
        return ProviderError(
            "bad_request", message, provider=provider, retryable=False, code=BLOCKED_ADDRESS, detail=detail
        )
    if isinstance(exc, httpx.ConnectTimeout):
        return ProviderError("timeout", provider=provider, retryable=True, detail=detail)
    if isinstance(exc, httpx.TimeoutException):
        # Not retried: the upstream may still be working, and a retry would multiply the wait.
        return ProviderError("timeout", provider=provider, retryable=False, detail=detail)
    if isinstance(exc, httpx.TransportError):
        return ProviderError("unavailable", provider=provider, retryable=True, detail=detail)
    return ProviderError("protocol", provider=provider, retryable=False, detail=detail)


def protocol_error(provider: str, detail: str, message: str = "") -> ProviderError:
    return ProviderError("protocol", message, provider=provider, retryable=False, detail=detail)


def empty_reply_error(provider: str, finish_reason: str | None) -> ProviderError:
    """An answer with no text, no tool call and no billed tokens: the upstream produced nothing."""
    if finish_reason == "content_filter":
        return ProviderError("content_filter", provider=provider, retryable=False, detail="empty, content_filter")
    return protocol_error(
        provider, f"no content and no tool call (finish_reason={finish_reason!r})", "The provider sent an empty reply."
    )
