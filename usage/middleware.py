"""X-RateLimit-* and X-Gateway-Overhead-Ms on every API response (/api/ and /v1/).

A door that meters itself says so with `@meters_itself`: it admits each call against the caller's
tier (usage.admission) and puts those figures on its response, refusals included; here it is only
labelled. Every other API call passes a coarse per-caller limit here (API_RATE_LIMIT_PER_MINUTE, the
same sliding-window limiter), so the headers are always present and always true.
"""

import hashlib
import time
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any, TypeVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, get_urlconf, resolve

from config.api import openai
from config.api.envelope import error_response
from config.api.exceptions import ApiError
from usage import limits as limiter
from usage.admission import rate_headers

V = TypeVar("V")


def meters_itself(view: V) -> V:
    """Mark a view (function or class) that admits and meters its calls itself, so the general API
    limit is not counted for them as well."""
    view.meters_itself = True  # type: ignore[attr-defined]
    return view


@lru_cache(maxsize=4096)
def _meters_itself(urlconf: str, path: str) -> bool:
    try:
        view: Any = resolve(path, urlconf).func
    except Resolver404:
        return False
    view_class = getattr(view, "view_class", None)  # a class-based view's `as_view()` remembers its class
    return bool(getattr(view, "meters_itself", False) or getattr(view_class, "meters_itself", False))


def _self_metering(request: HttpRequest) -> bool:
    return _meters_itself(get_urlconf() or settings.ROOT_URLCONF, request.path_info)


def _is_api(path: str) -> bool:
    return path.startswith(("/api/", "/v1/"))


def _credential(request: HttpRequest) -> tuple[str, str]:
    """(label, the credential itself) from the request alone, before any view authenticates it."""
    headers = request.headers
    auth = headers.get("Authorization", "")
    key = headers.get("X-API-Key") or (auth[7:].strip() if auth[:7].lower() == "bearer " else "")
    if key:
        return ("api_key" if key.startswith("sk_") else "user"), key
    if session := request.COOKIES.get(settings.SESSION_COOKIE_NAME):
        return "user", session
    return "ip", ""


def _identity(request: HttpRequest) -> tuple[str, str]:
    """(label, stable id) of the caller, for the general limit's counter."""
    label, credential = _credential(request)
    if label == "ip":
        return label, request.META.get("REMOTE_ADDR", "unknown")
    return label, hashlib.sha256(credential.encode()).hexdigest()[:24]


def _general(request: HttpRequest, *, count: bool) -> limiter.Admission:
    label, ident = _identity(request)
    owner, limits = f"api:{label}:{ident}", limiter.rate_only(settings.API_RATE_LIMIT_PER_MINUTE)
    return limiter.admit(user_id=owner, limits=limits) if count else limiter.peek(user_id=owner, limits=limits)


def _too_many(request: HttpRequest, admission: limiter.Admission) -> HttpResponseBase:
    message = f"Rate limit of {admission.limit} API requests per minute exceeded."
    error = ApiError("RATE_LIMIT_EXCEEDED", message, headers={"Retry-After": str(int(admission.retry_after))})
    return openai.error_response(error) if request.path.startswith("/v1/") else error_response(error)


class _ApiCall:
    """One API request on its way through: admitted against the general limit unless its door meters
    itself, then labelled."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request
        self.started = time.perf_counter()
        self.ai = _self_metering(request)
        # Counters are one short Redis round trip; doing it inline is cheaper than a thread hop.
        self.admission = None if self.ai else _general(request, count=True)
        refused = self.admission is not None and not self.admission.allowed
        self.refused = self.finish(_too_many(request, self.admission)) if refused else None  # type: ignore[arg-type]

    def lacks_figures(self, response: HttpResponseBase) -> bool:
        """A door that meters itself but stopped before admission (no credentials, bad input)."""
        return self.admission is None and "X-RateLimit-Limit" not in response

    def finish(self, response: HttpResponseBase) -> HttpResponseBase:
        if self.admission is not None:
            for name, value in rate_headers(self.admission).items():
                response[name] = value
        response["X-RateLimit-Endpoint"] = "ai" if self.ai else "api"
        response["X-RateLimit-Identifier"] = _credential(self.request)[0]
        if "X-Gateway-Overhead-Ms" not in response:
            response["X-Gateway-Overhead-Ms"] = f"{(time.perf_counter() - self.started) * 1000:.2f}"
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
        call = _ApiCall(request)
        if call.refused:
            return call.refused
        response = self.get_response(request)
        if call.lacks_figures(response):
            call.admission = _general(request, count=False)
        return call.finish(response)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        if not _is_api(request.path):
            return await self.get_response(request)
        call = _ApiCall(request)
        if call.refused:
            return call.refused
        response = await self.get_response(request)
        if call.lacks_figures(response):
            call.admission = await sync_to_async(_general)(request, count=False)
        return call.finish(response)
