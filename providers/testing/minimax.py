"""MiniMax: chat v2 (OpenAI-shaped, errors in `base_resp` on HTTP 200), Hailuo video and image
generation (minimax_images.py).

Requests are checked as MiniMax documents them: roles system/user/assistant/tool (no
"developer"), no null content, tool_choice "none" or "auto" only, response_format json_schema
only; anything else is base_resp 2013 "invalid params". Streams send OpenAI-style deltas (tool
calls included); the last chunk repeats the whole message under `message`, with usage.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any

from providers.testing import replies
from providers.testing.minimax_images import MiniMaxImagesFake, base_resp
from providers.testing.openai_family import ask_from
from providers.testing.plumbing import MIDSTREAM_AFTER, Book, Faults, Request, Route, parse_faults, sse

DEMO_VIDEO = Path(__file__).resolve().parent.parent / "demo_assets" / "demo.mp4"
ROLES = frozenset({"system", "user", "assistant", "tool"})


def invalid(body: dict[str, Any]) -> str | None:
    """Why MiniMax would answer 2013 to this body, or None."""
    for i, message in enumerate(body.get("messages") or []):
        if message.get("role") not in ROLES:
            return f"invalid message role: {message.get('role')}"
        if message.get("content") is None:
            return f"invalid params, messages[{i}].content is null"
    if body.get("tool_choice") not in (None, "none", "auto"):
        return "invalid params, tool_choice"
    if (body.get("response_format") or {}).get("type") not in (None, "json_schema"):
        return "invalid params, response_format"
    return None


class MiniMax:
    def __init__(self, book: Book) -> None:
        self.book = book

    def routes(self) -> list[Route]:
        return [
            ("POST", "/minimax/v1/text/chatcompletion_v2", self.chat),
            ("POST", "/minimax/v1/video_generation", self.video_submit),
            ("GET", "/minimax/v1/query/video_generation", self.video_query),
            ("GET", "/minimax/v1/files/retrieve", self.file),
            ("GET", "/minimax/download/", self.download),
            ("POST", "/minimax/v1/image_generation", MiniMaxImagesFake(self.book, self.fault_code).generate),
            ("GET", "/minimax/images/", lambda r: self.book.serve_file(r, r.path.removeprefix("/minimax/images/"))),
        ]

    def fault_code(self, faults: Faults, count: int) -> tuple[int, str] | None:
        if faults.has("auth"):
            return (
                1004,
                "login fail: Please carry the API secret key in the 'Authorization' field of the request header",
            )
        if faults.has("quota"):
            return 1008, "insufficient balance"
        if "code" in faults.values:
            return int(faults.value("code")), "fake MiniMax error"
        if faults.status and faults.failing(count):
            known = {429: (1002, "rate limit exceeded(RPM)"), 400: (2013, "invalid params")}
            return known.get(faults.status, (1000, "unknown error"))
        return None

    async def chat(self, req: Request) -> None:
        if (received := await self.book.admit(req, "minimax")) is None:
            return
        body, key, count, faults = received
        error = self.fault_code(faults, count)
        if error is None and (problem := invalid(body)):
            error = (2013, problem)
        if error:
            await req.respond(200, {"id": "", "choices": None, **base_resp(*error)}, {"trace-id": "fake-trace"})
            return
        ask = ask_from(body, faults)  # chatcompletion_v2 takes OpenAI's request shape
        answer = replies.Answer([], "stop") if faults.has("empty") else replies.answer(ask)
        usage = {
            "total_tokens": ask.prompt_tokens + answer.completion_tokens,
            "total_characters": 0,
            "prompt_tokens": ask.prompt_tokens,
            "completion_tokens": answer.completion_tokens,
            "completion_tokens_details": {"reasoning_tokens": int(faults.value("reasoning"))},
        }
        chat_id = hashlib.sha256(repr(self.book.last[key]["body"]).encode()).hexdigest()[:32]
        base = {"id": chat_id, "created": 1755153113, "model": faults.model}
        message: dict[str, Any] = {"content": answer.text, "role": "assistant", "name": "MiniMax AI"}
        message["audio_content"] = ""
        if answer.calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.text}}
                for c in answer.calls
            ]
        if body.get("stream"):
            await self.stream(req, key, faults, base, answer, message, usage)
            return
        payload = {
            **base,
            "object": "chat.completion",
            "choices": [{"finish_reason": answer.finish_reason, "index": 0, "message": message}],
            "input_sensitive": False,
            "output_sensitive": False,
            **base_resp(0, ""),
        }
        if not faults.has("nousage"):
            payload["usage"] = usage
        await req.respond(200, payload)
        self.book.completed[key] += 1

    async def stream(
        self,
        req: Request,
        key: str,
        faults: Faults,
        base: dict[str, Any],
        answer: replies.Answer,
        message: dict[str, Any],
        usage: dict[str, Any],
    ) -> None:
        chunk = {**base, "object": "chat.completion.chunk"}
        events = []
        for position, call in enumerate(answer.calls):
            opening = {"index": position, "id": call.id, "type": "function", "function": {"name": call.name}}
            opening["function"]["arguments"] = ""
            events.append(sse({**chunk, "choices": [{"index": 0, "delta": {"tool_calls": [opening]}}]}))
            for piece in replies.fragments(call.text):
                delta = {"tool_calls": [{"index": position, "function": {"arguments": piece}}]}
                events.append(sse({**chunk, "choices": [{"index": 0, "delta": delta}]}))
        events += [
            sse({**chunk, "choices": [{"index": 0, "delta": {"content": token, "role": "assistant"}}]})
            for token in answer.tokens
        ]
        if faults.has("empty"):
            events = [b"data: [DONE]\n\n"]
        elif faults.has("midstream-error"):
            events = events[:MIDSTREAM_AFTER]
            events.append(sse({**base, **base_resp(1027, "output new_sensitive")}))
        else:
            # The last chunk repeats the whole message and carries usage and base_resp.
            final: dict[str, Any] = {
                **chunk,
                "choices": [{"finish_reason": answer.finish_reason, "index": 0, "message": message}],
                **base_resp(0, ""),
            }
            if not faults.has("nousage"):
                final["usage"] = usage
            events.append(sse(final))
            if not faults.has("nodone"):
                events.append(b"data: [DONE]\n\n")
        await req.start(200, "text/event-stream")
        await self.book.send_events(req, key, faults, events)

    async def video_submit(self, req: Request) -> None:
        body = req.json() or {}
        full_model = str(body.get("model", ""))
        _, count = self.book.record("minimax", full_model, req)
        faults = parse_faults(full_model)
        if error := self.fault_code(faults, count):
            await req.respond(200, {"task_id": "", **base_resp(*error)})
            return
        task_id = str(100000000000000 + len(self.book.videos) + 1)
        self.book.videos[task_id] = {
            "model": faults.model,
            "polls": 0,
            "fail": faults.has("fail"),
            "prompt": body.get("prompt"),
        }
        await req.respond(200, {"task_id": task_id, **base_resp()})

    async def video_query(self, req: Request) -> None:
        task_id = req.query.get("task_id", "")
        task = self.book.videos.get(task_id)
        if task is None:
            await req.respond(
                200, {"task_id": task_id, "status": "", "file_id": "", **base_resp(2013, "invalid task_id")}
            )
            return
        task["polls"] += 1
        status = {1: "Queueing", 2: "Processing"}.get(task["polls"], "Success")
        if task["fail"] and task["polls"] >= 2:
            status = "Fail"
        payload: dict[str, Any] = {"task_id": task_id, "status": status, "file_id": "", **base_resp()}
        if status == "Success":
            payload.update(
                {"file_id": str(200000000000000 + int(task_id) % 1000), "video_width": 1280, "video_height": 720}
            )
        await req.respond(200, payload)

    async def file(self, req: Request) -> None:
        file_id = req.query.get("file_id", "")
        if not file_id.isdigit():
            await req.respond(200, {"file": None, **base_resp(2013, "invalid file_id")})
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
        await req.respond(200, {"file": file, **base_resp()})

    async def download(self, req: Request) -> None:
        data = DEMO_VIDEO.read_bytes()
        await req.start(200, "video/mp4", {"content-length": str(len(data))})
        await req.write(data, more=False)
