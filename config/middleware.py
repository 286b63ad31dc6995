"""Request id on every response, so a user's report can be matched to our logs."""

import re
import uuid
from collections.abc import Awaitable, Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def _request_id(request: HttpRequest) -> str:
    incoming = request.headers.get("X-Request-Id", "")
    return incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex


class RequestIdMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> HttpResponseBase | Awaitable[HttpResponseBase]:
        if iscoroutinefunction(self):
            return self._acall(request)
        request.request_id = _request_id(request)
        response = self.get_response(request)
        response["X-Request-Id"] = request.request_id
        return response

    async def _acall(self, request: HttpRequest) -> HttpResponseBase:
        request.request_id = _request_id(request)
        response = await self.get_response(request)
        response["X-Request-Id"] = request.request_id
        return response
