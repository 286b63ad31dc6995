"""Ollama's native API: POST /api/chat (NDJSON stream, or one object with "stream": false),
POST /api/embed and GET /api/tags.

Requests are checked as Ollama's Go types decode them: `content` must be a string, `images` a list
of base64 strings, tool-call `arguments` an object, roles system/user/assistant/tool, `format`
"json" or a schema object; anything else is a 400 with Go's decoding error, as upstream. Tool
calls come back whole (arguments as an object) with done_reason "stop"; logprobs, when asked for,
come as a top-level list per line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from providers.testing import replies
from providers.testing.pictures import fake_vector, shortened
from providers.testing.plumbing import MIDSTREAM_AFTER, Book, Request, Route, dumps

STAMP = "2023-08-04T19:22:45.499127Z"
ROLES = frozenset({"system", "user", "assistant", "tool"})
EMBED_SIZE = 768
EMBED_CONTEXT = 512  # words; small, so a test can go over it


def invalid(body: dict[str, Any]) -> str | None:
    """Go's decoding error for this body, or None."""
    for message in body.get("messages") or []:
        if not isinstance(message.get("content", ""), str):
            kind = "array" if isinstance(message["content"], list) else "object"
            return f"json: cannot unmarshal {kind} into Go struct field Message.messages.content of type string"
        if message.get("role") not in ROLES:
            return f"invalid role: {message.get('role')}"
        for image in message.get("images") or []:
            try:
                base64.b64decode(str(image), validate=True)
            except (binascii.Error, ValueError):
                return "illegal base64 data at input byte 4"
        for call in message.get("tool_calls") or []:
            if not isinstance((call.get("function") or {}).get("arguments"), dict):
                return (
                    "json: cannot unmarshal string into Go struct field ToolCallFunction.messages.tool_calls"
                    ".function.arguments of type api.ToolCallFunctionArguments"
                )
    fmt = body.get("format")
    if fmt is not None and fmt != "json" and not isinstance(fmt, dict):
        return "invalid format"
    return None


class Ollama:
    def __init__(self, book: Book) -> None:
        self.book = book

    def routes(self) -> list[Route]:
        return [
            ("POST", "/ollama/api/chat", self.chat),
            ("POST", "/ollama/api/embed", self.embed),
            ("GET", "/ollama/api/tags", self.tags),
        ]

    async def embed(self, req: Request) -> None:
        """POST /api/embed: `input` a string or strings, `dimensions` up to the model's 768, and
        `truncate` (default true: an input over the context is cut silently; false: a 400)."""
        if (received := await self.book.admit(req, "ollama")) is None:
            return
        body, key, count, faults = received
        if faults.status and faults.failing(count):
            message = {404: f'model "{faults.model}" not found, try pulling it first'}.get(faults.status, "failed")
            await req.respond(faults.status, {"error": message})
            return
        raw = body.get("input")
        texts = [raw] if isinstance(raw, str) else raw
        dimensions = body.get("dimensions")
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            await req.respond(400, {"error": "invalid input type"})
            return
        if dimensions is not None and not (isinstance(dimensions, int) and 0 < dimensions <= EMBED_SIZE):
            await req.respond(400, {"error": f"invalid dimensions: must be between 1 and {EMBED_SIZE}"})
            return
        if body.get("truncate") is False and any(len(t.split()) > EMBED_CONTEXT for t in texts):
            await req.respond(400, {"error": "the input length exceeds the context length"})
            return
        vectors = [fake_vector(faults.model, " ".join(t.split()[:EMBED_CONTEXT]), EMBED_SIZE) for t in texts]
        payload: dict[str, Any] = {
            "model": faults.model,
            "embeddings": [shortened(v, dimensions) if dimensions else v for v in vectors],
            "total_duration": 14143917,
            "load_duration": 1019500,
        }
        if not faults.has("nousage"):
            payload["prompt_eval_count"] = sum(min(len(t.split()), EMBED_CONTEXT) for t in texts)
        await self.book.send_json(req, key, faults, payload)

    async def chat(self, req: Request) -> None:
        if (received := await self.book.admit(req, "ollama")) is None:
            return
        body, key, count, faults = received
        if faults.status and faults.failing(count):
            message = {404: f'model "{faults.model}" not found, try pulling it first'}.get(
                faults.status, "the model failed to generate a response"
            )
            await req.respond(faults.status, {"error": message})
            return
        if problem := invalid(body):
            await req.respond(400, {"error": problem})
            return
        messages = body.get("messages") or []
        options = body.get("options") or {}
        echo, after_tool, images = replies.last_turn(messages)
        fmt = body.get("format")
        ask = replies.Ask(
            model=faults.model,
            echo=echo,
            prompt_tokens=replies.prompt_tokens(messages),
            after_tool=after_tool,
            images=images,
            max_tokens=options.get("num_predict"),
            stop=list(options.get("stop") or []),
            tools=replies.openai_tools(body.get("tools")),
            schema=fmt if isinstance(fmt, dict) else None,
            json_mode=fmt == "json",
            logprobs=bool(body.get("logprobs")),
            top_logprobs=int(body.get("top_logprobs") or 0),
        )
        answer = replies.Answer([], "stop") if faults.has("empty") else replies.answer(ask)
        stats: dict[str, Any] = {
            "total_duration": 4883583458,
            "load_duration": 1334875,
            "prompt_eval_count": ask.prompt_tokens,
            "prompt_eval_duration": 342546000,
            "eval_count": answer.completion_tokens,
            "eval_duration": 4535599000,
        }
        if faults.has("nousage"):
            stats = {"total_duration": 4883583458}
        done_reason = "length" if answer.finish_reason == "length" else "stop"  # "stop" after tool calls too
        final = {"model": faults.model, "created_at": STAMP, "done": True, "done_reason": done_reason, **stats}
        calls = [{"function": {"name": c.name, "arguments": c.arguments}} for c in answer.calls]
        if body.get("stream", True) is False:
            message: dict[str, Any] = {"role": "assistant", "content": answer.text}
            if calls:
                message["tool_calls"] = calls
            payload = {**final, "message": message}
            if ask.logprobs:
                payload["logprobs"] = replies.logprobs(answer.tokens, ask.top_logprobs)
            await req.respond(200, payload)
            self.book.completed[key] += 1
            return
        await self.stream(req, key, faults, ask, answer, calls, final)

    async def stream(
        self,
        req: Request,
        key: str,
        faults: Any,
        ask: replies.Ask,
        answer: replies.Answer,
        calls: list[dict[str, Any]],
        final: dict[str, Any],
    ) -> None:
        def line(message: dict[str, Any], **extra: Any) -> bytes:
            item = {"model": faults.model, "created_at": STAMP, "message": message, "done": False, **extra}
            return dumps(item).encode() + b"\n"

        entries = replies.logprobs(answer.tokens, ask.top_logprobs) if ask.logprobs else []
        lines = [line({"role": "assistant", "content": "", "tool_calls": calls})] if calls else []
        for position, token in enumerate(answer.tokens):
            extra = {"logprobs": [entries[position]]} if entries else {}
            lines.append(line({"role": "assistant", "content": token}, **extra))
        if faults.has("midstream-error"):
            lines = [*lines[:MIDSTREAM_AFTER], b'{"error":"the model failed to generate a response"}\n']
        elif faults.has("malformed"):
            lines = [lines[0], b"{not json at all\n"]
        else:
            lines.append(dumps({**final, "message": {"role": "assistant", "content": ""}}).encode() + b"\n")
        await req.start(200, "application/x-ndjson")
        reset_at = MIDSTREAM_AFTER if faults.has("reset") else None
        await self.book.send_events(req, key, faults, lines, reset_at=reset_at)

    async def tags(self, req: Request) -> None:
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
