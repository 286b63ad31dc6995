"""The fake upstream's ASGI application: one route table over the per-provider fakes, and the
bookkeeping endpoints tests read. The package docstring lists the behaviour."""

from __future__ import annotations

import asyncio

from providers.testing.huggingface import HuggingFace
from providers.testing.minimax import MiniMax
from providers.testing.ollama import Ollama
from providers.testing.openai_family import OpenAIFamily
from providers.testing.openai_media import OpenAIMediaFake
from providers.testing.openrouter import OpenRouterModels
from providers.testing.plumbing import Book, Receive, Request, Route, Scope, Send


class FakeUpstream:
    def __init__(self) -> None:
        self.book = Book()
        self.routes: list[Route] = [
            ("GET", "/_fake/stats", self.stats),
            ("POST", "/_fake/reset", self.reset),
            *OpenAIFamily(self.book).routes(),
            *OpenAIMediaFake(self.book, OpenAIFamily(self.book)).routes(),
            *OpenRouterModels().routes(),
            *HuggingFace(self.book).routes(),
            *MiniMax(self.book).routes(),
            *Ollama(self.book).routes(),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        disconnected = asyncio.Event()

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            disconnected.set()

        watcher = asyncio.create_task(watch())
        try:
            await self.dispatch(Request(scope, body, send, disconnected))
        finally:
            watcher.cancel()

    async def dispatch(self, req: Request) -> None:
        for method, path, handler in self.routes:
            exact = req.path == path
            prefix = path.endswith("/") and req.path.startswith(path)
            if (exact or prefix) and req.method == method:
                await handler(req)
                return
        await req.respond(404, {"error": {"message": f"no route {req.method} {req.path}", "type": "not_found"}})

    async def stats(self, req: Request) -> None:
        await req.respond(200, self.book.snapshot())

    async def reset(self, req: Request) -> None:
        self.book.clear()
        await req.respond(200, {"ok": True})
