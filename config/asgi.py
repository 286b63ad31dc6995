"""ASGI entry point: the OpenAI-compatible door on its lean handler, everything else on Django's.

Also answers the lifespan protocol, so a server shutting down stops any ledger writer it runs and
closes the shared connections before the process exits.
"""

import gc
import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django_application = get_asgi_application()

from asgiref.sync import sync_to_async  # noqa: E402  (Django must be set up first)
from django.conf import settings  # noqa: E402

from config.gateway_handler import GatewayHandler  # noqa: E402

gateway_application = GatewayHandler()


async def _shutdown() -> None:
    from config import store
    from providers.http import close_shared_clients
    from usage.ledger import writer

    # Only a writer that was helping with a backlog runs here; the worker stores what is queued.
    await sync_to_async(writer.stop_writer, thread_sensitive=False)(final_drain=False)
    await close_shared_clients()
    if store.uses_redis():
        await store.close_async_redis()


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            # Everything loaded so far (Django, the URL conf, models) lives as long as the process:
            # move it out of the collector's generations, so collections triggered by requests scan
            # only what requests allocate (full collections were the slowest calls' pauses).
            gc.collect()
            gc.freeze()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await _shutdown()
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _refuse_websocket(receive: Any, send: Any) -> None:
    """No path speaks WebSocket (streams are server-sent events). Closing before accepting makes the
    server deny the handshake with HTTP 403; handed to Django, the scope was a 500 with a traceback.
    (The ASGI extension for a custom denial body makes uvicorn log an error, so a plain close it is.)"""
    if (await receive())["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": 1008})  # 1008: policy violation


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope["path"].startswith(settings.GATEWAY_PREFIX):
        await gateway_application(scope, receive, send)
    elif scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "websocket":
        await _refuse_websocket(receive, send)
    else:
        await django_application(scope, receive, send)
