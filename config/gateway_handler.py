"""The handler for the OpenAI-compatible door (`/v1/`): Django, minus what that door never uses.

`/v1/` is called by programs holding API keys: no cookies, sessions, CSRF tokens, flash messages
or templates. Django's ASGI handler would still run that middleware, and it hops to a worker
thread around every request (the request_started signal, the response's close) and around every
hook of a classic middleware. Each hop costs more than the gateway's whole latency budget under
load. This handler keeps Django's request, URL resolution, views, responses and exception
handling, runs the short `GATEWAY_MIDDLEWARE` list, and never leaves the event loop by itself.

Sync work inside these views goes through `config.memo.from_memory_or_thread`, which hands the
thread's database connection back to the pool when it is done (what request_finished does in
Django's handler).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.exception import convert_exception_to_response
from django.urls import set_script_prefix
from django.utils.module_loading import import_string

GATEWAY_URLCONF = "config.gateway_urls"


class GatewayHandler(ASGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response_async)
        for path in reversed(settings.GATEWAY_MIDDLEWARE):
            handler = convert_exception_to_response(import_string(path)(handler))
        self._middleware_chain = handler

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"The gateway handler serves HTTP only, not {scope['type']}.")
        await self.handle(scope, receive, send)

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        set_script_prefix(get_script_prefix(scope))
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            body_file.close()
            await self.send_response(error_response, send)
            return
        request.urlconf = GATEWAY_URLCONF

        async def respond() -> Any:
            response = await self.run_get_response(request)
            with contextlib.suppress(asyncio.CancelledError):  # the client left while it was being sent
                await self.send_response(response, send)
            return response

        # As in Django's handler: a client that disconnects cancels the view, and so the upstream
        # call (the generation is then recorded as cancelled).
        listener = asyncio.create_task(self.listen_for_disconnect(receive))
        responder = asyncio.create_task(respond())
        await asyncio.wait([listener, responder], return_when=asyncio.FIRST_COMPLETED)
        for task in (listener, responder):
            if not task.done():
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError, RequestAborted):
                await task
        if not responder.cancelled() and responder.exception() is None:
            # Closing runs the response's closers and request_finished; its receivers here touch
            # nothing (no database connection lives on the loop's thread), so no hop is needed.
            responder.result().close()
        body_file.close()
