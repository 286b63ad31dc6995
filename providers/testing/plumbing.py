"""What every fake provider shares: the request object, fault suffixes, and the book of requests
received (counts, and the last headers and body per provider and model, for tests to assert on)."""

from __future__ import annotations

import asyncio
import json
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import parse_qs

Scope = dict[str, Any]
AsgiMessage = dict[str, Any]
Receive = Callable[[], Awaitable[AsgiMessage]]
Send = Callable[[AsgiMessage], Awaitable[None]]
Handler = Callable[["Request"], Awaitable[None]]
Route = tuple[str, str, Handler]

HANG_LIMIT = 120.0
MIDSTREAM_AFTER = 2  # tokens sent before a mid-stream error or reset
HTML_ERROR_PAGE = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>"
    "<hr><center>nginx/1.25.3 upstream 10.0.3.17:8080</center></body></html>"
)


def dumps(payload: Any, **options: Any) -> str:
    # Real servers send UTF-8 as it is, so multi-byte characters can straddle network chunks.
    return json.dumps(payload, ensure_ascii=False, **options)


def sse(payload: Any) -> bytes:
    return b"data: " + dumps(payload).encode() + b"\n\n"


class ConnectionReset(Exception):
    """Raised inside the app to make uvicorn drop the connection mid-body."""


# ---- faults ----------------------------------------------------------------------------------

_STATUS = re.compile(r"^(\d{3})(?:x(\d+))?$")
_LOADING = re.compile(r"^503loading(?:x(\d+))?$")
_NUMERIC = {"latency", "slow", "eta", "cached", "reasoning", "code"}


@dataclass
class Faults:
    model: str  # the model name without suffixes
    status: int | None = None
    times: int | None = None  # fail only the first N requests; None = always
    loading: bool = False
    flags: set[str] = field(default_factory=set)
    values: dict[str, float] = field(default_factory=dict)

    def value(self, name: str, default: float = 0) -> float:
        return self.values.get(name, default)

    def has(self, flag: str) -> bool:
        return flag in self.flags

    def failing(self, count: int) -> bool:
        return self.times is None or count <= self.times


def parse_faults(full_model: str) -> Faults:
    base, *parts = full_model.split("@")
    faults = Faults(model=base)
    for part in parts:
        name, _, value = part.partition("=")
        if name in _NUMERIC and value:
            faults.values[name] = float(value)
        elif match := _STATUS.match(part):
            faults.status, faults.times = int(match[1]), int(match[2]) if match[2] else None
        elif match := _LOADING.match(part):
            faults.loading, faults.times = True, int(match[1]) if match[1] else None
        else:
            faults.flags.add(part)
    return faults


# ---- HTTP ------------------------------------------------------------------------------------


@dataclass
class Request:
    scope: Scope
    body: bytes
    send: Send
    disconnected: asyncio.Event

    @property
    def path(self) -> str:
        return self.scope["path"]

    @property
    def method(self) -> str:
        return self.scope["method"]

    @property
    def query(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.scope.get("query_string", b"").decode()).items()}

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode("latin-1"): v.decode("latin-1") for k, v in self.scope["headers"]}

    @property
    def host(self) -> str:
        return self.headers.get("host", "127.0.0.1")

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return None

    async def start(self, status: int, content_type: str, headers: dict[str, str] | None = None) -> None:
        raw = [(b"content-type", content_type.encode())]
        raw += [(k.lower().encode(), str(v).encode()) for k, v in (headers or {}).items()]
        await self.send({"type": "http.response.start", "status": status, "headers": raw})

    async def write(self, data: bytes, more: bool = True) -> None:
        await self.send({"type": "http.response.body", "body": data, "more_body": more})

    async def respond(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        await self.start(status, "application/json", headers)
        await self.write(dumps(payload).encode(), more=False)

    async def respond_html(self, status: int, page: str = HTML_ERROR_PAGE) -> None:
        await self.start(status, "text/html; charset=utf-8")
        await self.write(page.encode(), more=False)

    async def pause(self, seconds: float) -> bool:
        """Sleep; True if the client went away meanwhile."""
        if seconds <= 0:
            return self.disconnected.is_set()
        try:
            await asyncio.wait_for(self.disconnected.wait(), seconds)
        except TimeoutError:
            return False
        return True


# ---- the book --------------------------------------------------------------------------------


class Received(NamedTuple):
    """A request a fake has taken on: its JSON body, its key in the book, its number among the
    requests for that key (for faults that fail only the first N) and its faults."""

    body: Any
    key: str
    count: int
    faults: Faults


class Book:
    """Requests received, streams cut short and finished, and the last request per model."""

    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.closed_early: Counter[str] = Counter()
        self.completed: Counter[str] = Counter()
        self.last: dict[str, dict[str, Any]] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}  # generated images served by URL: name -> (bytes, type)

    def snapshot(self) -> dict[str, Any]:
        return {
            "requests": dict(self.requests),
            "closed_early": dict(self.closed_early),
            "completed": dict(self.completed),
            "last": self.last,
        }

    def clear(self) -> None:
        for counter in (self.requests, self.closed_early, self.completed):
            counter.clear()
        self.last.clear()
        self.videos.clear()
        self.files.clear()

    def record(self, provider: str, model: str, req: Request) -> tuple[str, int]:
        key = f"{provider}:{model}"
        self.requests[key] += 1
        client = req.scope.get("client") or ("", 0)
        self.last[key] = {"headers": req.headers, "body": req.json(), "client_port": client[1]}
        return key, self.requests[key]

    async def admit(self, req: Request, provider: str, full_model: str | None = None) -> Received | None:
        """Record a request for the model in its body (or `full_model`, for APIs that name it in the
        path) and apply latency and hang; None when the client left meanwhile."""
        body = req.json() or {}
        if full_model is None:
            full_model = str(body.get("model", ""))
        key, count = self.record(provider, full_model, req)
        faults = parse_faults(full_model)
        if await self.common_faults(req, faults, key):
            return None
        return Received(body, key, count, faults)

    async def common_faults(self, req: Request, faults: Faults, key: str) -> bool:
        """Latency and hang; True if the request is over (the client left)."""
        if await req.pause(faults.value("latency") / 1000):
            self.closed_early[key] += 1
            return True
        if faults.has("hang"):
            await req.pause(HANG_LIMIT)
            self.closed_early[key] += 1
            return True
        return False

    async def send_events(
        self, req: Request, key: str, faults: Faults, events: list[bytes], *, reset_at: int | None = None
    ) -> bool:
        """Send stream events one by one at the fault's pace; False if the client left early."""
        delay = faults.value("slow") / 1000
        for index, event in enumerate(events):
            if reset_at is not None and index == reset_at:
                raise ConnectionReset("dropping the connection on purpose")
            if (index and await req.pause(delay)) or req.disconnected.is_set():
                self.closed_early[key] += 1
                return False
            await req.write(event)
        await req.write(b"", more=False)
        self.completed[key] += 1
        return True

    async def send_json(self, req: Request, key: str, faults: Faults, payload: Any, status: int = 200) -> None:
        """A whole JSON reply, or what the @malformed and @reset faults make of it."""
        data = dumps(payload).encode()
        if faults.has("malformed"):
            await req.start(status, "application/json")
            await req.write(data[: len(data) // 3], more=False)
            return
        if faults.has("reset"):
            await req.start(status, "application/json", {"content-length": str(len(data))})
            await req.write(data[: len(data) // 2])
            raise ConnectionReset("dropping the connection on purpose")
        await req.start(status, "application/json")
        await req.write(data, more=False)
        self.completed[key] += 1

    async def serve_file(self, req: Request, name: str) -> None:
        """GET of a generated image; 404 when it is unknown (or was served with @gone)."""
        found = self.files.get(name)
        if found is None:
            await req.start(404, "application/xml")
            await req.write(b"<?xml version='1.0'?><Error><Code>BlobNotFound</Code></Error>", more=False)
            return
        data, content_type = found
        await req.start(200, content_type, {"content-length": str(len(data))})
        await req.write(data, more=False)
