"""X-RateLimit-* and X-Gateway-Overhead-Ms on every API response (/api/ and /v1/).

Generation endpoints are limited by the caller's tier inside the generation service; they leave
the admission on the request and this middleware only reports it. Every other API call passes a
coarse per-caller limit here (API_RATE_LIMIT_PER_MINUTE, same sliding-window limiter), so the
headers are always present and always true.
"""

import hashlib
import time
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, JsonResponse

from config.api.envelope import error_body
from config.errors import openai_error
from usage import limits as limiter

GENERATION_PATHS = frozenset(
    {"/api/v1/ai/chat", "/api/v1/ai/generate", "/api/v1/ai/stream", "/v1/chat/completions", "/v1/completions"}
)


def _is_api(path: str) -> bool:
    return path.startswith(("/api/", "/v1/"))


def _identity(request: HttpRequest) -> tuple[str, str]:
    """(label, stable id) of the caller from the request alone, before any view authenticates it."""
    headers = request.headers
    auth = headers.get("Authorization", "")
    key = headers.get("X-API-Key") or (auth[7:].strip() if auth[:7].lower() == "bearer " else "")
    if key.startswith("sk_"):
        return "api_key", hashlib.sha256(key.encode()).hexdigest()[:24]
    if key:
        return "user", hashlib.sha256(key.encode()).hexdigest()[:24]
    session = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if session:
        return "user", hashlib.sha256(session.encode()).hexdigest()[:24]
    return "ip", request.META.get("REMOTE_ADDR", "unknown")


def _general_limits() -> limiter.Limits:
    unl = limiter.UNLIMITED
    return limiter.Limits(settings.API_RATE_LIMIT_PER_MINUTE, unl, unl, unl, unl)


def _admit_general(request: HttpRequest) -> tuple[str, limiter.Admission]:
    label, ident = _identity(request)
    return label, limiter.admit(user_id=f"api:{label}:{ident}", limits=_general_limits())  # type: ignore[arg-type]


def _peek_general(request: HttpRequest) -> tuple[str, limiter.Admission]:
    label, ident = _identity(request)
    return label, limiter.peek(user_id=f"api:{label}:{ident}", limits=_general_limits())  # type: ignore[arg-type]


def _too_many(request: HttpRequest, admission: limiter.Admission) -> JsonResponse:
    message = f"Rate limit of {admission.limit} API requests per minute exceeded."
    if request.path.startswith("/v1/"):
        response = openai_error(message, 429, "requests", "rate_limit_exceeded")
    else:
        response = JsonResponse(error_body("RATE_LIMIT_EXCEEDED", message), status=429)
    response["Retry-After"] = str(int(admission.retry_after))
    return response


def _decorate(
    request: HttpRequest, response: HttpResponseBase, label: str, admission: limiter.Admission | None, started: float
) -> HttpResponseBase:
    from playground.services.admission import rate_headers

    admission = getattr(request, "rate_info", None) or admission
    if admission is not None:
        for name, value in rate_headers(admission).items():
            response[name] = value
    is_generation = request.path in GENERATION_PATHS
    response["X-RateLimit-Endpoint"] = "ai" if is_generation else "api"
    response["X-RateLimit-Identifier"] = getattr(request, "rate_identifier", None) or label
    if "X-Gateway-Overhead-Ms" not in response:
        response["X-Gateway-Overhead-Ms"] = f"{(time.perf_counter() - started) * 1000:.2f}"
    return response


class GatewayHeadersMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if iscoroutinefunction(self):
            return self._acall(request)
        if not _is_api(request.path):
            return self.get_response(request)
        started = time.perf_counter()
        label, admission = None, None
        if request.path not in GENERATION_PATHS:
            label, admission = _admit_general(request)
            if not admission.allowed:
                return _decorate(request, _too_many(request, admission), label, admission, started)
        response = self.get_response(request)
        if admission is None and getattr(request, "rate_info", None) is None:
            label, admission = _peek_general(request)
        return _decorate(request, response, label or "user", admission, started)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        if not _is_api(request.path):
            return await self.get_response(request)
        started = time.perf_counter()
        label, admission = None, None
        if request.path not in GENERATION_PATHS:
            # Counters are one short Redis round trip; doing it inline is cheaper than a thread hop.
            label, admission = _admit_general(request)
            if not admission.allowed:
                return _decorate(request, _too_many(request, admission), label, admission, started)
        response = await self.get_response(request)
        if admission is None and getattr(request, "rate_info", None) is None:
            label, admission = await sync_to_async(_peek_general)(request)
        return _decorate(request, response, label or "user", admission, started)
