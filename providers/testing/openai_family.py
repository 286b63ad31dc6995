"""OpenAI's chat completions, as OpenAI, OpenRouter and Hugging Face's router serve them.

Differences kept: OpenRouter's error envelope (integer code), keep-alive comments, `provider` and
`native_finish_reason`, usage always in streams and `usage.cost`; only OpenAI answers `n` > 1.
Requests are checked the way OpenAI checks them (tool results need tool_call_id, tool-call
arguments are JSON text, image parts need a URL): a malformed one is a 400, as upstream.
"""

from __future__ import annotations

import hashlib
from typing import Any

from providers.testing import replies
from providers.testing.plumbing import (
    MIDSTREAM_AFTER,
    Book,
    ConnectionReset,
    Faults,
    Request,
    Route,
    dumps,
    sse,
)
from providers.testing.replies import Answer, Ask


def openrouter_cost(prompt: int, completion: int) -> float:
    """$1 per million prompt tokens and $2 per million completion tokens, so tests can check it."""
    return (prompt * 1 + completion * 2) / 1_000_000


def openai_error(provider: str, status: int, message: str, err_type: str, code: str | None) -> dict[str, Any]:
    if provider == "openrouter":
        return {"error": {"code": status, "message": message, "metadata": {"error_type": err_type}}}
    return {"error": {"message": message, "type": err_type, "param": None, "code": code}}


def malformed(body: dict[str, Any]) -> str | None:
    """What OpenAI would refuse in this body, in its words; None if it is well formed."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return "Invalid type for 'messages': expected an array."
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in {
            "system",
            "developer",
            "user",
            "assistant",
            "tool",
        }:
            return f"Invalid value for 'messages[{i}].role'."
        if message["role"] == "tool" and not isinstance(message.get("tool_call_id"), str):
            return f"Missing required parameter: 'messages[{i}].tool_call_id'."
        for j, call in enumerate(message.get("tool_calls") or []):
            if not isinstance((call.get("function") or {}).get("arguments"), str):
                return f"Invalid type for 'messages[{i}].tool_calls[{j}].function.arguments': expected a string."
        for j, part in enumerate(message.get("content") if isinstance(message.get("content"), list) else []):
            if part.get("type") == "image_url" and not isinstance((part.get("image_url") or {}).get("url"), str):
                return f"Missing required parameter: 'messages[{i}].content[{j}].image_url.url'."
    for i, tool in enumerate(body.get("tools") or []):
        if tool.get("type") != "function" or not (tool.get("function") or {}).get("name"):
            return f"Missing required parameter: 'tools[{i}].function.name'."
    return None


def ask_from(body: dict[str, Any], faults: Faults) -> Ask:
    messages = body.get("messages") or []
    echo, after_tool, images = replies.last_turn(messages)
    response_format = body.get("response_format") or {}
    schema = None
    if response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {}
    stop = body.get("stop") or []
    return Ask(
        model=faults.model,
        echo=echo,
        prompt_tokens=replies.prompt_tokens(messages),
        after_tool=after_tool,
        images=images,
        max_tokens=body.get("max_completion_tokens", body.get("max_tokens")),
        stop=[stop] if isinstance(stop, str) else list(stop),
        tools=replies.openai_tools(body.get("tools")),
        tool_choice=replies.openai_tool_choice(body.get("tool_choice")),
        schema=schema,
        json_mode=response_format.get("type") == "json_object",
        parallel=faults.has("parallel") and body.get("parallel_tool_calls") is not False,
        logprobs=bool(body.get("logprobs")),
        top_logprobs=int(body.get("top_logprobs") or 0),
    )


class OpenAIFamily:
    def __init__(self, book: Book) -> None:
        self.book = book

    def routes(self) -> list[Route]:
        return [
            ("POST", "/openai/v1/chat/completions", lambda r: self.chat(r, "openai")),
            ("GET", "/openai/v1/models", self.models),
            ("POST", "/openrouter/api/v1/chat/completions", lambda r: self.chat(r, "openrouter")),
            ("POST", "/hf/v1/chat/completions", lambda r: self.chat(r, "hf")),
        ]

    async def fault_response(self, req: Request, provider: str, faults: Faults, count: int) -> bool:
        """Send the fault's error response if it applies; True if one was sent."""
        model = faults.model
        if faults.has("auth"):
            message = "Incorrect API key provided: sk-fake***."
            await req.respond(401, openai_error(provider, 401, message, "invalid_request_error", "invalid_api_key"))
            return True
        if faults.has("quota"):
            if provider == "openrouter":
                message = "Insufficient credits. Add more using https://openrouter.ai/credits"
                await req.respond(402, {"error": {"code": 402, "message": message}})
            else:
                message = "You exceeded your current quota, please check your plan and billing details."
                await req.respond(429, openai_error(provider, 429, message, "insufficient_quota", "insufficient_quota"))
            return True
        if faults.has("html"):
            await req.respond_html(502)
            return True
        if not (faults.status and faults.failing(count)):
            return False
        status = faults.status
        headers: dict[str, str] = {}
        if status == 429:
            headers["Retry-After"] = "1"
            if not faults.has("noms"):
                headers["retry-after-ms"] = "50"
            message = f"Rate limit reached for {model} in organization org-fake on requests per min. Try again in 1s."
            body = openai_error(provider, 429, message, "requests", "rate_limit_exceeded")
        elif status >= 500:
            message = "The server had an error while processing your request. Sorry about that!"
            body = openai_error(provider, status, message, "server_error", None)
        elif status == 404:
            message = f"The model `{model}` does not exist or you do not have access to it."
            body = openai_error(provider, 404, message, "invalid_request_error", "model_not_found")
        else:
            body = openai_error(provider, status, f"Fake error {status}", "invalid_request_error", None)
        await req.respond(status, body, headers)
        return True

    def usage(self, provider: str, ask: Ask, answers: list[Answer], faults: Faults) -> dict[str, Any]:
        completion = sum(a.completion_tokens for a in answers)
        usage: dict[str, Any] = {
            "prompt_tokens": ask.prompt_tokens,
            "completion_tokens": completion,
            "total_tokens": ask.prompt_tokens + completion,
            "prompt_tokens_details": {"cached_tokens": int(faults.value("cached")), "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": int(faults.value("reasoning")), "audio_tokens": 0},
        }
        if provider == "openrouter":
            usage["cost"] = openrouter_cost(ask.prompt_tokens, completion)
        return usage

    async def chat(self, req: Request, provider: str) -> None:
        received = await self.book.admit(req, provider)
        if received is None or await self.fault_response(req, provider, received.faults, received.count):
            return
        body, key, _, faults = received
        if problem := malformed(body):
            await req.respond(400, openai_error(provider, 400, problem, "invalid_request_error", None))
            return
        ask = ask_from(body, faults)
        n = int(body.get("n") or 1) if provider == "openai" else 1
        answers = [replies.answer(ask, i) for i in range(n)]
        if faults.has("stopfinish"):  # some OpenAI-compatible servers end a tool call with "stop"
            answers = [Answer(a.tokens, "stop", a.calls) for a in answers]
        digest = hashlib.sha256(dumps(body, sort_keys=True).encode()).hexdigest()[:24]
        chat_id = ("gen-" if provider == "openrouter" else "chatcmpl-") + digest
        if body.get("stream"):
            await self.stream(req, provider, key, faults, ask, answers, chat_id, body)
        else:
            await self.whole(req, provider, key, faults, ask, answers, chat_id)

    def message(self, answer: Answer) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": answer.text or None, "refusal": None}
        if answer.calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.text}}
                for c in answer.calls
            ]
        return message

    async def whole(
        self, req: Request, provider: str, key: str, faults: Faults, ask: Ask, answers: list[Answer], chat_id: str
    ) -> None:
        if faults.has("malformed"):
            await req.start(200, "application/json")
            await req.write(b'{"id": "chatcmpl-broken", "choices": [', more=False)
            return
        choices = []
        for index, answer in enumerate([] if faults.has("empty") else answers):
            choice: dict[str, Any] = {"index": index, "message": self.message(answer), "logprobs": None}
            if ask.logprobs:
                choice["logprobs"] = {"content": replies.logprobs(answer.tokens, ask.top_logprobs), "refusal": None}
            choice["finish_reason"] = answer.finish_reason
            if provider == "openrouter":
                choice["native_finish_reason"] = answer.finish_reason
            choices.append(choice)
        if faults.has("empty"):
            choices = [{"index": 0, "message": {"role": "assistant", "content": ""}, "finish_reason": "stop"}]
        payload: dict[str, Any] = {
            "id": chat_id,
            "object": "chat.completion",
            "created": 1741569952,
            "model": faults.model,
            "choices": choices,
        }
        if provider == "openrouter":
            payload["provider"] = "FakeProvider"
        if not faults.has("nousage"):
            payload["usage"] = self.usage(provider, ask, [] if faults.has("empty") else answers, faults)
        data = dumps(payload).encode()
        if faults.has("reset"):
            await req.start(200, "application/json", {"content-length": str(len(data))})
            await req.write(data[: len(data) // 2])
            raise ConnectionReset("dropping the connection on purpose")
        await req.start(200, "application/json")
        await req.write(data, more=False)
        self.book.completed[key] += 1

    async def stream(
        self,
        req: Request,
        provider: str,
        key: str,
        faults: Faults,
        ask: Ask,
        answers: list[Answer],
        chat_id: str,
        body: dict[str, Any],
    ) -> None:
        include_usage = provider == "openrouter" or bool((body.get("stream_options") or {}).get("include_usage"))
        base: dict[str, Any] = {"id": chat_id, "object": "chat.completion.chunk", "created": 1694268190}
        base["model"] = faults.model
        if provider == "openrouter":
            base["provider"] = "FakeProvider"

        def chunk(index: int, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
            choice = {"index": index, "delta": delta, "logprobs": extra.pop("logprobs", None), "finish_reason": finish}
            item = {**base, "choices": [choice], **extra}
            if include_usage and "usage" not in extra:
                item["usage"] = None
            return sse(item)

        events: list[bytes] = []
        if provider == "openrouter":
            events.append(b": OPENROUTER PROCESSING\n\n")
        if faults.has("empty"):
            await req.start(200, "text/event-stream", {"cache-control": "no-cache"})
            await self.book.send_events(req, key, faults, [*events, b"data: [DONE]\n\n"])
            return
        if faults.has("malformed"):
            events.append(b"data: {this is not json\n\n")
        per_choice = [self.choice_events(i, a, ask, chunk) for i, a in enumerate(answers)]
        # Choices take turns, as OpenAI interleaves them.
        for round_ in range(max(len(e) for e in per_choice)):
            events += [e[round_] for e in per_choice if round_ < len(e)]
        if faults.has("midstream-error"):
            events = events[: MIDSTREAM_AFTER + 1 + (provider == "openrouter")]
            error: dict[str, Any] = {"code": 502, "message": "Provider returned error"}
            if provider != "openrouter":
                error = {"message": "The server had an error while processing your request.", "type": "server_error"}
            events.append(chunk(0, {"content": ""}, "error", error=error))
        else:
            events += [chunk(i, {}, a.finish_reason) for i, a in enumerate(answers)]
            if include_usage and not faults.has("nousage"):
                events.append(sse({**base, "choices": [], "usage": self.usage(provider, ask, answers, faults)}))
            if not faults.has("nodone"):
                events.append(b"data: [DONE]\n\n")
        await req.start(200, "text/event-stream", {"cache-control": "no-cache"})
        reset_at = MIDSTREAM_AFTER + 1 if faults.has("reset") else None
        await self.book.send_events(req, key, faults, events, reset_at=reset_at)

    @staticmethod
    def choice_events(index: int, answer: Answer, ask: Ask, chunk: Any) -> list[bytes]:
        """One choice's chunks: the role, tool calls as OpenAI streams them (id, type and name,
        then argument fragments), then one word per chunk."""
        if answer.calls:
            events = [chunk(index, {"role": "assistant", "content": None})]
            for position, call in enumerate(answer.calls):
                opening = {"index": position, "id": call.id, "type": "function"}
                opening["function"] = {"name": call.name, "arguments": ""}
                events.append(chunk(index, {"tool_calls": [opening]}))
                events += [
                    chunk(index, {"tool_calls": [{"index": position, "function": {"arguments": piece}}]})
                    for piece in replies.fragments(call.text)
                ]
            return events
        events = [chunk(index, {"role": "assistant", "content": ""})]
        entries = replies.logprobs(answer.tokens, ask.top_logprobs) if ask.logprobs else None
        for position, token in enumerate(answer.tokens):
            logprobs = {"content": [entries[position]], "refusal": None} if entries else None
            events.append(chunk(index, {"content": token}, logprobs=logprobs))
        return events

    async def models(self, req: Request) -> None:
        data = [
            {"id": m, "object": "model", "created": 1686935002, "owned_by": "system", "shutdown_date": None}
            for m in ("gpt-4o-mini", "gpt-4o")
        ]
        await req.respond(200, {"object": "list", "data": data})
