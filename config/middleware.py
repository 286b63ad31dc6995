"""Middleware of our own: request ids, async-capable static files, and a hop-free SecurityMiddleware
for the gateway."""

import re
import uuid
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware import security
from django.utils.decorators import sync_and_async_middleware
from whitenoise.middleware import WhiteNoiseMiddleware

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _request_id(request: HttpRequest) -> str:
    incoming = request.headers.get("X-Request-Id", "")
    return incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex


@sync_and_async_middleware
def request_id_middleware(get_response: Callable) -> Callable:
    if iscoroutinefunction(get_response):

        async def async_middleware(request: HttpRequest) -> HttpResponseBase:
            request.request_id = _request_id(request)
            response = await get_response(request)
            response["X-Request-Id"] = request.request_id
            return response

        return async_middleware

    def middleware(request: HttpRequest) -> HttpResponseBase:
        request.request_id = _request_id(request)
        response = get_response(request)
        response["X-Request-Id"] = request.request_id
        return response

    return middleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, async-capable: one sync-only middleware would make Django run every async view
    (the event streams, the /v1 API) through a thread hop, so only static paths take that hop."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        super().__init__(get_response)
        self._is_async = iscoroutinefunction(get_response)
        if self._is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if self._is_async:
            return self._acall(request)
        return super().__call__(request)

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        if request.path_info.startswith(self.static_prefix):
            response = await sync_to_async(self._static_response)(request)
            if response is not None:
                return response
        return await self.get_response(request)

    def _static_response(self, request: HttpRequest) -> HttpResponseBase | None:
        found = self.find_file(request.path_info) if self.autorefresh else self.files.get(request.path_info)
        return self.serve(found, request) if found is not None else None


class SecurityMiddleware(security.SecurityMiddleware):
    """Django's SecurityMiddleware for the gateway handler, without its thread hops.

    Under ASGI, MiddlewareMixin runs process_request and process_response each in a worker thread.
    These hooks only read and write headers, so the hops are pure cost on the gateway's hot path.
    (The site keeps Django's own class, which `check --deploy` looks for by name.)

    The headers are worked out once from the settings. Django's class builds them per response, and
    each `setdefault` of a header the response lacks raises and catches a KeyError: four a call.
    """

    def __init__(self, get_response: Callable) -> None:
        super().__init__(get_response)
        headers = {"X-Frame-Options": settings.X_FRAME_OPTIONS}
        if self.content_type_nosniff:
            headers["X-Content-Type-Options"] = "nosniff"
        if policy := self.referrer_policy:
            values = [v.strip() for v in policy.split(",")] if isinstance(policy, str) else policy
            headers["Referrer-Policy"] = ",".join(values)
        if self.cross_origin_opener_policy:
            headers["Cross-Origin-Opener-Policy"] = self.cross_origin_opener_policy
        self._plain = _stored_headers(headers)
        self._secure = self._plain
        if self.sts_seconds:
            sts = f"max-age={self.sts_seconds}"
            sts += "; includeSubDomains" if self.sts_include_subdomains else ""
            sts += "; preload" if self.sts_preload else ""
            self._secure = _stored_headers({"Strict-Transport-Security": sts, **headers})

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.process_request(request) or await self.get_response(request)
        return self.process_response(request, response)

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        # ResponseHeaders keeps {lowercased name: (name, value)}; these values are plain ASCII, so they
        # go in as they are, each unless the view set that header itself.
        store = response.headers._store
        for lower, pair in (self._secure if self._secure is not self._plain and request.is_secure() else self._plain):
            if lower not in store:
                store[lower] = pair
        return response


def _stored_headers(headers: dict[str, str]) -> tuple[tuple[str, tuple[str, str]], ...]:
    return tuple((name.lower(), (name, value)) for name, value in headers.items())
