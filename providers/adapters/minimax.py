"""MiniMax: chat v2, image generation (minimax_images.py) and Hailuo video.

config.base_url is the API host, e.g. https://api.minimax.io (no /v1).

MiniMax reports most errors as HTTP 200 with a non-zero `base_resp.status_code`, so every JSON
reply (and every stream chunk) is checked for it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx

from providers.adapters._http import drop_none
from providers.adapters._wire import ChatCompletions
from providers.adapters.minimax_images import MiniMaxImages
from providers.base import (
    ChatRequest,
    ErrorKind,
    ProviderError,
    StreamDelta,
    StreamEnd,
    UpstreamModel,
    VideoRequest,
    VideoStatus,
    is_set,
)
from providers.errors import client_message, load_json, protocol_error
from providers.messages import ChatMessage

# base_resp.status_code -> (kind, worth retrying)
STATUS_CODES: dict[int, tuple[ErrorKind, bool]] = {
    1000: ("unavailable", True),
    1001: ("timeout", True),
    1002: ("rate_limited", True),
    1004: ("authentication", False),
    1008: ("quota_exhausted", False),
    1013: ("unavailable", True),
    1026: ("content_filter", False),
    1027: ("content_filter", False),
    1028: ("quota_exhausted", False),
    1030: ("quota_exhausted", False),
    1039: ("bad_request", False),
    2013: ("bad_request", False),
    2049: ("authentication", False),
    2038: ("permission", False),
    2061: ("permission", False),
}

_VIDEO_STATES = {"preparing": "preparing", "queueing": "queueing", "processing": "processing", "success": "success"}

# MiniMax has no model listing endpoint; these are the documented ones, priced per 1M tokens.
KNOWN_MODELS: tuple[tuple[str, str, Decimal | None, Decimal | None, int | None], ...] = (
    ("MiniMax-M2", "text->text", Decimal("0.30"), Decimal("1.20"), 204800),
    ("MiniMax-M1", "text->text", None, None, 1000000),
    ("MiniMax-Text-01", "text->text", None, None, 1000000),
    ("MiniMax-Hailuo-02", "text+image->video", None, None, None),
    ("MiniMax-Hailuo-2.3", "text+image->video", None, None, None),
    ("image-01", "text->image", None, None, None),
)


def base_resp_error(payload: Any, provider: str = "minimax") -> ProviderError | None:
    base = payload.get("base_resp") if isinstance(payload, dict) else None
    if not isinstance(base, dict) or not base.get("status_code"):
        return None
    code = int(base["status_code"])
    kind, retryable = STATUS_CODES.get(code, ("unavailable", False))
    words = str(base.get("status_msg") or f"MiniMax error {code}")
    return ProviderError(
        kind,
        client_message(kind, words),
        status=200,
        provider=provider,
        retryable=retryable,
        code=str(code),
        detail=words,
    )


def _message(message: ChatMessage) -> dict[str, Any]:
    """OpenAI's message as chatcompletion_v2 takes it: the same shape, but no `developer` role and
    no null content (an assistant turn that only calls tools sends "")."""
    if message.get("role") == "developer" or message.get("content") is None:
        message = {**message, "role": "system" if message["role"] == "developer" else message["role"]}
        if message.get("content") is None:
            message["content"] = ""
    return dict(message)


class MiniMaxAdapter(ChatCompletions, MiniMaxImages):
    name = "minimax"
    chat_path = "/v1/text/chatcompletion_v2"
    # chatcompletion_v2 as MiniMax documents it: max_completion_tokens, temperature, top_p, stop,
    # tools with tool_choice none/auto, response_format json_schema (MiniMax-Text-01), image parts.
    # Not documented, so refused rather than guessed: seed, penalties, n, logprobs, logit_bias,
    # reasoning_effort.
    supported_fields = frozenset(
        {"max_tokens", "temperature", "top_p", "stop", "tools", "tool_choice", "parallel_tool_calls", "response_format"}
    )
    checks_more = True
    modalities = frozenset({"chat", "image", "video"})
    # Streams are OpenAI's chunks; the last one repeats the whole reply under `message`, which is
    # not read again. [DONE] is sent by some deployments, not others.
    done_ends_stream = False

    def unsupported_values(self, req: ChatRequest) -> list[str]:
        found = []
        if req.tool_choice not in (None, "none", "auto"):
            found.append("tool_choice")
        if req.parallel_tool_calls is False:
            found.append("parallel_tool_calls")
        if is_set("response_format", req.response_format) and (req.response_format or {}).get("type") != "json_schema":
            found.append("response_format")
        return found

    def check_payload(self, payload: Any, response: httpx.Response) -> None:
        if error := base_resp_error(payload, self.name):
            raise error

    def body(self, req: ChatRequest, *, stream: bool) -> dict[str, Any]:
        body = drop_none(
            {
                "model": req.model,
                "messages": [_message(m) for m in req.messages],
                "max_completion_tokens": req.max_tokens,
                "temperature": req.temperature,
                "top_p": req.top_p,
                "stop": req.stop or None,
                "tools": req.tools or None,
                "tool_choice": req.tool_choice if req.tools else None,
                "response_format": req.response_format if is_set("response_format", req.response_format) else None,
                "stream": stream or None,
            }
        )
        body.update(self.passthrough(req))
        return body

    def chunk_error(self, chunk: dict[str, Any]) -> ProviderError | None:
        return base_resp_error(chunk, self.name)

    async def parse_stream(self, response: httpx.Response, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        if response.headers.get("content-type", "").startswith("application/json"):
            # A refused stream comes back as one JSON object with base_resp, not as SSE.
            payload = load_json(await response.aread())
            raise base_resp_error(payload, self.name) or protocol_error(self.name, f"unexpected reply: {payload}")
        async for item in super().parse_stream(response, req):
            yield item

    async def list_models(self) -> list[UpstreamModel]:
        return [
            UpstreamModel(id=mid, name=mid, context_length=ctx, input_price_per_1m=i, output_price_per_1m=o, modality=m)
            for mid, m, i, o, ctx in KNOWN_MODELS
        ]

    async def video_submit(self, req: VideoRequest) -> str:
        body = drop_none(
            {
                "model": req.model,
                "prompt": req.prompt,
                "duration": req.duration,
                "resolution": req.resolution,
                "first_frame_image": req.first_frame_image,
            }
        )
        payload = await self.request_json("POST", self.url("/v1/video_generation"), json=body)
        if not payload.get("task_id"):
            raise protocol_error(self.name, f"no task_id in reply: {payload}")
        return str(payload["task_id"])

    async def video_poll(self, task_id: str) -> VideoStatus:
        payload = await self.request_json("GET", self.url("/v1/query/video_generation"), params={"task_id": task_id})
        status = str(payload.get("status", "")).lower()
        if status == "fail":
            return VideoStatus("fail", error=payload.get("error_message") or "MiniMax reported the task failed")
        if status not in _VIDEO_STATES:
            raise protocol_error(self.name, f"unknown video status {payload.get('status')!r}")
        return VideoStatus(
            _VIDEO_STATES[status],  # type: ignore[arg-type]
            file_id=str(payload["file_id"]) if payload.get("file_id") else None,
            width=payload.get("video_width"),
            height=payload.get("video_height"),
        )

    async def video_result_url(self, file_id: str) -> str:
        payload = await self.request_json("GET", self.url("/v1/files/retrieve"), params={"file_id": file_id})
        url = (payload.get("file") or {}).get("download_url")
        if not url:
            raise protocol_error(self.name, f"no download_url for file {file_id}")
        return str(url)
