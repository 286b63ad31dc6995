"""The fake upstream's ASGI application. The module docstring of the package lists its behaviour."""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

DEMO_VIDEO = Path(__file__).resolve().parent.parent / "demo_assets" / "demo.mp4"
HANG_LIMIT = 120.0
MIDSTREAM_AFTER = 2  # tokens sent before a mid-stream error or reset


def dumps(payload: Any, **options: Any) -> str:
    # Real servers send UTF-8 as it is, so multi-byte characters can straddle network chunks.
    return json.dumps(payload, ensure_ascii=False, **options)


class ConnectionReset(Exception):
    """Raised inside the app to make uvicorn drop the connection mid-body."""


# ---- deterministic replies -------------------------------------------------------------------


def text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def count_tokens(text: str) -> int:
    return len(text.split())


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    return sum(count_tokens(text_of(m.get("content"))) for m in messages if isinstance(m, dict))


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return text_of(message.get("content"))
    return ""


def reply_words(model: str, echo: str) -> list[str]:
    return ["Echo", "from", f"{model}:", *echo.split()]


def as_tokens(words: list[str]) -> list[str]:
    return [w if i == 0 else " " + w for i, w in enumerate(words)]


@dataclass
class Reply:
    tokens: list[str]
    finish_reason: str
    prompt_tokens: int

    @property
    def text(self) -> str:
        return "".join(self.tokens)

    @property
    def completion_tokens(self) -> int:
        return len(self.tokens)


def make_reply(model: str, echo: str, prompt: int, max_tokens: Any) -> Reply:
    words = reply_words(model, echo)
    finish = "stop"
    if isinstance(max_tokens, int) and 0 < max_tokens < len(words):
        words, finish = words[:max_tokens], "length"
    return Reply(as_tokens(words), finish, prompt)


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


# ---- HTTP plumbing ---------------------------------------------------------------------------


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

    async def pause(self, seconds: float) -> bool:
        """Sleep; True if the client went away meanwhile."""
        if seconds <= 0:
            return self.disconnected.is_set()
        try:
            await asyncio.wait_for(self.disconnected.wait(), seconds)
        except TimeoutError:
            return False
        return True


# ---- the application -------------------------------------------------------------------------


class FakeUpstream:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.closed_early: Counter[str] = Counter()
        self.completed: Counter[str] = Counter()
        self.last: dict[str, dict[str, Any]] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.routes: list[tuple[str, str, Callable[[Request], Awaitable[None]]]] = [
            ("GET", "/_fake/stats", self.stats),
            ("POST", "/_fake/reset", self.reset),
            ("POST", "/openai/v1/chat/completions", self.openai_chat),
            ("GET", "/openai/v1/models", self.openai_models),
            ("POST", "/openrouter/api/v1/chat/completions", self.openrouter_chat),
            ("GET", "/openrouter/api/v1/models", self.openrouter_models),
            ("POST", "/hf/v1/chat/completions", self.hf_chat),
            ("GET", "/hf/v1/models", self.hf_models),
            ("POST", "/hf/hf-inference/models/", self.hf_legacy),
            ("POST", "/minimax/v1/text/chatcompletion_v2", self.minimax_chat),
            ("POST", "/minimax/v1/video_generation", self.minimax_video_submit),
            ("GET", "/minimax/v1/query/video_generation", self.minimax_video_query),
            ("GET", "/minimax/v1/files/retrieve", self.minimax_file),
            ("GET", "/minimax/download/", self.minimax_download),
            ("POST", "/ollama/api/chat", self.ollama_chat),
            ("GET", "/ollama/api/tags", self.ollama_tags),
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

    # -- bookkeeping --

    async def stats(self, req: Request) -> None:
        await req.respond(
            200,
            {
                "requests": dict(self.requests),
                "closed_early": dict(self.closed_early),
                "completed": dict(self.completed),
                "last": self.last,
            },
        )

    async def reset(self, req: Request) -> None:
        for counter in (self.requests, self.closed_early, self.completed):
            counter.clear()
        self.last.clear()
        self.videos.clear()
        await req.respond(200, {"ok": True})

    def record(self, provider: str, model: str, req: Request) -> tuple[str, int]:
        key = f"{provider}:{model}"
        self.requests[key] += 1
        client = req.scope.get("client") or ("", 0)
        self.last[key] = {"headers": req.headers, "body": req.json(), "client_port": client[1]}
        return key, self.requests[key]

    @staticmethod
    def failing(faults: Faults, count: int) -> bool:
        return faults.times is None or count <= faults.times

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

    async def send_tokens(
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

    # -- OpenAI family (also OpenRouter and the HF router) --

    async def openai_chat(self, req: Request) -> None:
        await self.openai_style_chat(req, "openai")

    async def openrouter_chat(self, req: Request) -> None:
        await self.openai_style_chat(req, "openrouter")

    async def hf_chat(self, req: Request) -> None:
        await self.openai_style_chat(req, "hf")

    def openai_error(self, provider: str, status: int, message: str, err_type: str, code: str | None) -> dict:
        if provider == "openrouter":
            return {"error": {"code": status, "message": message, "metadata": {"error_type": err_type}}}
        return {"error": {"message": message, "type": err_type, "param": None, "code": code}}

    async def openai_style_error(self, req: Request, provider: str, faults: Faults, count: int) -> bool:
        """Send the fault's error response if it applies; True if one was sent."""
        model = faults.model
        if faults.has("auth"):
            body = self.openai_error(
                provider, 401, "Incorrect API key provided: sk-fake***.", "invalid_request_error", "invalid_api_key"
            )
            await req.respond(401, body)
            return True
        if faults.has("quota"):
            if provider == "openrouter":
                message = "Insufficient credits. Add more using https://openrouter.ai/credits"
                await req.respond(402, {"error": {"code": 402, "message": message}})
            else:
                message = "You exceeded your current quota, please check your plan and billing details."
                await req.respond(
                    429, self.openai_error(provider, 429, message, "insufficient_quota", "insufficient_quota")
                )
            return True
        if faults.status and self.failing(faults, count):
            status = faults.status
            headers: dict[str, str] = {}
            if status == 429:
                headers["Retry-After"] = "1"
                if not faults.has("noms"):
                    headers["retry-after-ms"] = "50"
                body = self.openai_error(
                    provider,
                    429,
                    f"Rate limit reached for {model}. Please try again in 1s.",
                    "requests",
                    "rate_limit_exceeded",
                )
            elif status >= 500:
                body = self.openai_error(
                    provider,
                    status,
                    "The server had an error while processing your request. Sorry about that!",
                    "server_error",
                    None,
                )
            elif status == 404:
                body = self.openai_error(
                    provider,
                    404,
                    f"The model `{model}` does not exist or you do not have access to it.",
                    "invalid_request_error",
                    "model_not_found",
                )
            else:
                body = self.openai_error(provider, status, f"Fake error {status}", "invalid_request_error", None)
            await req.respond(status, body, headers)
            return True
        return False

    def openai_usage(self, provider: str, reply: Reply, faults: Faults) -> dict[str, Any]:
        usage: dict[str, Any] = {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            "prompt_tokens_details": {"cached_tokens": int(faults.value("cached")), "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": int(faults.value("reasoning")), "audio_tokens": 0},
        }
        if provider == "openrouter":
            usage["cost"] = openrouter_cost(reply)
        return usage

    async def openai_style_chat(self, req: Request, provider: str) -> None:
        body = req.json() or {}
        full_model = str(body.get("model", ""))
        key, count = self.record(provider, full_model, req)
        faults = parse_faults(full_model)
        if await self.common_faults(req, faults, key) or await self.openai_style_error(req, provider, faults, count):
            return
        messages = body.get("messages") or []
        max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        reply = make_reply(faults.model, last_user_text(messages), prompt_tokens(messages), max_tokens)
        chat_id = ("gen-" if provider == "openrouter" else "chatcmpl-") + hashlib.sha256(
            dumps(body, sort_keys=True).encode()
        ).hexdigest()[:24]
        if body.get("stream"):
            await self.openai_stream(req, provider, key, faults, reply, chat_id, body)
            return
        if faults.has("malformed"):
            await req.start(200, "application/json")
            await req.write(b'{"id": "chatcmpl-broken", "choices": [', more=False)
            return
        payload: dict[str, Any] = {
            "id": chat_id,
            "object": "chat.completion",
            "created": 1741569952,
            "model": faults.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": reply.text, "refusal": None},
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
        }
        if provider == "openrouter":
            payload["provider"] = "FakeProvider"
            payload["choices"][0]["native_finish_reason"] = reply.finish_reason
        if not faults.has("nousage"):
            payload["usage"] = self.openai_usage(provider, reply, faults)
        data = dumps(payload).encode()
        if faults.has("reset"):
            await req.start(200, "application/json", {"content-length": str(len(data))})
            await req.write(data[: len(data) // 2])
            raise ConnectionReset("dropping the connection on purpose")
        await req.start(200, "application/json")
        await req.write(data, more=False)
        self.completed[key] += 1

    async def openai_stream(
        self, req: Request, provider: str, key: str, faults: Faults, reply: Reply, chat_id: str, body: dict
    ) -> None:
        include_usage = provider == "openrouter" or bool((body.get("stream_options") or {}).get("include_usage"))
        base = {"id": chat_id, "object": "chat.completion.chunk", "created": 1694268190, "model": faults.model}
        if provider == "openrouter":
            base["provider"] = "FakeProvider"

        def chunk(delta: dict, finish: str | None = None, **extra: Any) -> bytes:
            item = {
                **base,
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
                **extra,
            }
            if include_usage and "usage" not in extra:
                item["usage"] = None
            return b"data: " + dumps(item).encode() + b"\n\n"

        events: list[bytes] = []
        if provider == "openrouter":
            events.append(b": OPENROUTER PROCESSING\n\n")
        if faults.has("malformed"):
            events.append(b"data: {this is not json\n\n")
        events.append(chunk({"role": "assistant", "content": ""}))
        events += [chunk({"content": token}) for token in reply.tokens]
        if faults.has("midstream-error"):
            events = events[: MIDSTREAM_AFTER + 1 + (provider == "openrouter")]
            error = {"code": 502, "message": "Provider returned error", "metadata": {"error_type": "provider_error"}}
            if provider != "openrouter":
                error = {
                    "message": "The server had an error while processing your request.",
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
            events.append(chunk({"content": ""}, "error", error=error))
        else:
            events.append(chunk({}, reply.finish_reason))
            if include_usage and not faults.has("nousage"):
                usage = self.openai_usage(provider, reply, faults)
                events.append(b"data: " + dumps({**base, "choices": [], "usage": usage}).encode() + b"\n\n")
            if not faults.has("nodone"):
                events.append(b"data: [DONE]\n\n")
        await req.start(200, "text/event-stream", {"cache-control": "no-cache"})
        await self.send_tokens(req, key, faults, events, reset_at=MIDSTREAM_AFTER + 1 if faults.has("reset") else None)

    async def openai_models(self, req: Request) -> None:
        data = [
            {"id": m, "object": "model", "created": 1686935002, "owned_by": "system", "shutdown_date": None}
            for m in ("gpt-4o-mini", "gpt-4o")
        ]
        await req.respond(200, {"object": "list", "data": data})

    async def openrouter_models(self, req: Request) -> None:
        def model(slug: str, name: str, prompt: str, completion: str, context: int, out: int, modality: str) -> dict:
            return {
                "id": slug,
                "canonical_slug": slug,
                "name": name,
                "created": 1692901234,
                "context_length": context,
                "architecture": {"modality": modality, "input_modalities": ["text"], "output_modalities": ["text"]},
                "pricing": {"prompt": prompt, "completion": completion, "request": "0", "image": "0"},
                "top_provider": {"context_length": context, "max_completion_tokens": out, "is_moderated": True},
                "per_request_limits": None,
                "supported_parameters": ["max_tokens", "temperature", "top_p", "stop"],
            }

        data = [
            model(
                "anthropic/claude-sonnet-4.5",
                "Anthropic: Claude Sonnet 4.5",
                "0.000003",
                "0.000015",
                1000000,
                64000,
                "text+image->text",
            ),
            model("openai/gpt-4o-mini", "OpenAI: GPT-4o-mini", "0.00000015", "0.0000006", 128000, 16384, "text->text"),
        ]
        await req.respond(200, {"data": data, "total_count": len(data)})

    async def hf_models(self, req: Request) -> None:
        data = [
            {
                "id": "meta-llama/Llama-3.1-8B-Instruct",
                "object": "model",
                "created": 1721000000,
                "owned_by": "meta-llama",
                "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                "providers": [
                    {"provider": "featherless-ai", "status": "live", "is_model_author": False},
                    {
                        "provider": "novita",
                        "status": "live",
                        "context_length": 16384,
                        "pricing": {"input": 0.05, "output": 0.08},
                        "supports_tools": True,
                    },
                ],
            },
            {
                "id": "deepseek-ai/DeepSeek-V4-Pro",
                "object": "model",
                "created": 1776837885,
                "owned_by": "deepseek-ai",
                "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]},
                "providers": [
                    {
                        "provider": "novita",
                        "status": "error",
                        "context_length": 1048576,
                        "pricing": {"input": 1.69, "output": 3.38},
                    }
                ],
            },
        ]
        await req.respond(200, {"object": "list", "data": data})

    # -- Hugging Face legacy task API --

    async def hf_legacy(self, req: Request) -> None:
        full_model = req.path.removeprefix("/hf/hf-inference/models/")
        key, count = self.record("hf_legacy", full_model, req)
        faults = parse_faults(full_model)
        if await self.common_faults(req, faults, key):
            return
        if faults.has("auth"):
            await req.respond(401, {"error": "Invalid credentials in Authorization header"})
            return
        if faults.loading and self.failing(faults, count):
            eta = faults.value("eta", 20.0)
            await req.respond(503, {"error": f"Model {faults.model} is currently loading", "estimated_time": eta})
            return
        if faults.status and self.failing(faults, count):
            headers = {"Retry-After": "1", "retry-after-ms": "50"} if faults.status == 429 else {}
            await req.respond(faults.status, {"error": f"Fake error {faults.status}", "error_type": "fake"}, headers)
            return
        body = req.json() or {}
        inputs = str(body.get("inputs", ""))
        params = body.get("parameters") or {}
        reply = make_reply(faults.model, inputs, count_tokens(inputs), params.get("max_new_tokens"))
        tgi_finish = "length" if reply.finish_reason == "length" else "eos_token"
        details = {"finish_reason": tgi_finish, "generated_tokens": reply.completion_tokens, "seed": None}
        if body.get("stream"):
            events = []
            for index, token in enumerate(reply.tokens):
                last = index == len(reply.tokens) - 1
                event = {
                    "index": index + 1,
                    "token": {"id": 1000 + index, "text": token, "logprob": -0.25, "special": False},
                    "generated_text": reply.text if last else None,
                    "details": {**details, "input_length": reply.prompt_tokens} if last else None,
                    "top_tokens": None,
                }
                events.append(b"data: " + dumps(event).encode() + b"\n\n")
            if faults.has("midstream-error"):
                events = [
                    *events[:MIDSTREAM_AFTER],
                    b'data: {"error": "Input validation error", "error_type": "generation"}\n\n',
                ]
            await req.start(200, "text/event-stream")
            await self.send_tokens(req, key, faults, events)
            return
        text = (inputs + reply.text) if params.get("return_full_text") else reply.text
        item: dict[str, Any] = {"generated_text": text}
        if params.get("details"):
            item["details"] = details
        await req.respond(200, [item])
        self.completed[key] += 1

    # -- MiniMax --

    @staticmethod
    def base_resp(code: int = 0, message: str = "success") -> dict[str, Any]:
        return {"base_resp": {"status_code": code, "status_msg": message}}

    def minimax_fault_code(self, faults: Faults, count: int) -> tuple[int, str] | None:
        if faults.has("auth"):
            return (
                1004,
                "login fail: Please carry the API secret key in the 'Authorization' field of the request header",
            )
        if faults.has("quota"):
            return 1008, "insufficient balance"
        if "code" in faults.values:
            return int(faults.value("code")), "fake MiniMax error"
        if faults.status and self.failing(faults, count):
            return {429: (1002, "rate limit exceeded(RPM)"), 400: (2013, "invalid params")}.get(
                faults.status, (1000, "unknown error")
            )
        return None

    async def minimax_chat(self, req: Request) -> None:
        body = req.json() or {}
        full_model = str(body.get("model", ""))
        key, count = self.record("minimax", full_model, req)
        faults = parse_faults(full_model)
        if await self.common_faults(req, faults, key):
            return
        if error := self.minimax_fault_code(faults, count):
            await req.respond(200, {"id": "", "choices": None, **self.base_resp(*error)}, {"trace-id": "fake-trace"})
            return
        messages = body.get("messages") or []
        reply = make_reply(
            faults.model,
            last_user_text(messages),
            prompt_tokens(messages),
            body.get("max_completion_tokens", body.get("max_tokens")),
        )
        usage = {
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
            "total_characters": 0,
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "completion_tokens_details": {"reasoning_tokens": int(faults.value("reasoning"))},
        }
        chat_id = hashlib.sha256(self.last[key]["body"].__repr__().encode()).hexdigest()[:32]
        base = {"id": chat_id, "created": 1755153113, "model": faults.model}
        message = {"content": reply.text, "role": "assistant", "name": "MiniMax AI", "audio_content": ""}
        if not body.get("stream"):
            payload = {
                **base,
                "object": "chat.completion",
                "choices": [{"finish_reason": reply.finish_reason, "index": 0, "message": message}],
                "input_sensitive": False,
                "output_sensitive": False,
                **self.base_resp(0, ""),
            }
            if not faults.has("nousage"):
                payload["usage"] = usage
            await req.respond(200, payload)
            self.completed[key] += 1
            return
        events = [
            b"data: "
            + dumps(
                {
                    **base,
                    "object": "chat.completion.chunk",
                    "choices": [{"index": 0, "delta": {"content": token, "role": "assistant"}}],
                }
            ).encode()
            + b"\n\n"
            for token in reply.tokens
        ]
        if faults.has("midstream-error"):
            events = events[:MIDSTREAM_AFTER]
            events.append(
                b"data: " + dumps({**base, **self.base_resp(1027, "output new_sensitive")}).encode() + b"\n\n"
            )
        else:
            # The last chunk repeats the whole message and carries usage and base_resp.
            final: dict[str, Any] = {
                **base,
                "object": "chat.completion.chunk",
                "choices": [{"finish_reason": reply.finish_reason, "index": 0, "message": message}],
                **self.base_resp(0, ""),
            }
            if not faults.has("nousage"):
                final["usage"] = usage
            events.append(b"data: " + dumps(final).encode() + b"\n\n")
            if not faults.has("nodone"):
                events.append(b"data: [DONE]\n\n")
        await req.start(200, "text/event-stream")
        await self.send_tokens(req, key, faults, events)

    async def minimax_video_submit(self, req: Request) -> None:
        body = req.json() or {}
        full_model = str(body.get("model", ""))
        _, count = self.record("minimax", full_model, req)
        faults = parse_faults(full_model)
        if error := self.minimax_fault_code(faults, count):
            await req.respond(200, {"task_id": "", **self.base_resp(*error)})
            return
        task_id = str(100000000000000 + len(self.videos) + 1)
        self.videos[task_id] = {
            "model": faults.model,
            "polls": 0,
            "fail": faults.has("fail"),
            "prompt": body.get("prompt"),
        }
        await req.respond(200, {"task_id": task_id, **self.base_resp()})

    async def minimax_video_query(self, req: Request) -> None:
        task_id = req.query.get("task_id", "")
        task = self.videos.get(task_id)
        if task is None:
            await req.respond(
                200, {"task_id": task_id, "status": "", "file_id": "", **self.base_resp(2013, "invalid task_id")}
            )
            return
        task["polls"] += 1
        status = {1: "Queueing", 2: "Processing"}.get(task["polls"], "Success")
        if task["fail"] and task["polls"] >= 2:
            status = "Fail"
        payload: dict[str, Any] = {"task_id": task_id, "status": status, "file_id": "", **self.base_resp()}
        if status == "Success":
            payload.update(
                {"file_id": str(200000000000000 + int(task_id) % 1000), "video_width": 1280, "video_height": 720}
            )
        await req.respond(200, payload)

    async def minimax_file(self, req: Request) -> None:
        file_id = req.query.get("file_id", "")
        if not file_id.isdigit():
            await req.respond(200, {"file": None, **self.base_resp(2013, "invalid file_id")})
            return
        url = f"http://{req.host}/minimax/download/{file_id}.mp4"
        file = {
            "file_id": int(file_id),
            "bytes": DEMO_VIDEO.stat().st_size,
            "created_at": int(time.time()),
            "filename": "output_aigc.mp4",
            "purpose": "video_generation",
            "download_url": url,
        }
        await req.respond(200, {"file": file, **self.base_resp()})

    async def minimax_download(self, req: Request) -> None:
        data = DEMO_VIDEO.read_bytes()
        await req.start(200, "video/mp4", {"content-length": str(len(data))})
        await req.write(data, more=False)

    # -- Ollama --

    async def ollama_chat(self, req: Request) -> None:
        body = req.json() or {}
        full_model = str(body.get("model", ""))
        key, count = self.record("ollama", full_model, req)
        faults = parse_faults(full_model)
        if await self.common_faults(req, faults, key):
            return
        if faults.status and self.failing(faults, count):
            message = {404: f'model "{faults.model}" not found, try pulling it first'}.get(
                faults.status, "the model failed to generate a response"
            )
            await req.respond(faults.status, {"error": message})
            return
        messages = body.get("messages") or []
        options = body.get("options") or {}
        reply = make_reply(faults.model, last_user_text(messages), prompt_tokens(messages), options.get("num_predict"))
        stamp = "2023-08-04T19:22:45.499127Z"
        stats = {
            "total_duration": 4883583458,
            "load_duration": 1334875,
            "prompt_eval_count": reply.prompt_tokens,
            "prompt_eval_duration": 342546000,
            "eval_count": reply.completion_tokens,
            "eval_duration": 4535599000,
        }
        if faults.has("nousage"):
            stats = {"total_duration": 4883583458}
        final = {"model": faults.model, "created_at": stamp, "done": True, "done_reason": reply.finish_reason, **stats}
        if body.get("stream", True) is False:
            await req.respond(200, {**final, "message": {"role": "assistant", "content": reply.text}})
            self.completed[key] += 1
            return
        lines = [
            dumps(
                {
                    "model": faults.model,
                    "created_at": stamp,
                    "message": {"role": "assistant", "content": t},
                    "done": False,
                }
            ).encode()
            + b"\n"
            for t in reply.tokens
        ]
        if faults.has("midstream-error"):
            lines = [*lines[:MIDSTREAM_AFTER], b'{"error":"the model failed to generate a response"}\n']
        elif faults.has("malformed"):
            lines = [lines[0], b"{not json at all\n"]
        else:
            lines.append(dumps({**final, "message": {"role": "assistant", "content": ""}}).encode() + b"\n")
        await req.start(200, "application/x-ndjson")
        await self.send_tokens(req, key, faults, lines, reset_at=MIDSTREAM_AFTER if faults.has("reset") else None)

    async def ollama_tags(self, req: Request) -> None:
        models = [
            {
                "name": name,
                "model": name,
                "modified_at": "2025-05-04T17:37:44.706015396-07:00",
                "size": size,
                "digest": hashlib.sha256(name.encode()).hexdigest(),
                "details": {
                    "parent_model": "",
                    "format": "gguf",
                    "family": family,
                    "families": [family],
                    "parameter_size": params,
                    "quantization_level": "Q4_K_M",
                },
            }
            for name, size, family, params in (
                ("llama3.2:latest", 2019393189, "llama", "3.2B"),
                ("qwen2.5:0.5b", 397821319, "qwen2", "494.03M"),
            )
        ]
        await req.respond(200, {"models": models})


def openrouter_cost(reply: Reply) -> float:
    """$1 per million prompt tokens and $2 per million completion tokens, so tests can check it."""
    return (reply.prompt_tokens * 1 + reply.completion_tokens * 2) / 1_000_000
