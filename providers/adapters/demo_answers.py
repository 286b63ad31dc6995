"""What the demo provider answers when a request carries tools, a JSON format, images or logprobs.

Deterministic throughout: the same request gives the same answer, and choice i of n differs from
choice 0 only through its index.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from providers.base import ChatRequest, TokenLogprob, ToolCall, TopLogprob
from providers.messages import (
    ChatMessage,
    decode_data_uri,
    image_parts,
    response_schema,
    text_of,
    tool_choice_name,
    tool_names_by_call_id,
)
from providers.schema_sample import Prompt, sample

MAX_IMAGE_BYTES = 20 * 1024 * 1024
_ALTERNATIVES = (" the", " a", " and", " of", " to", " it")
# Basic colour names and their RGB, for naming an image's main colour.
_COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (0, 0, 0),
    "white": (255, 255, 255),
    "grey": (128, 128, 128),
    "red": (220, 30, 30),
    "orange": (255, 140, 0),
    "yellow": (240, 220, 30),
    "green": (40, 170, 60),
    "cyan": (0, 200, 220),
    "blue": (30, 70, 220),
    "purple": (130, 50, 170),
    "pink": (250, 140, 190),
    "brown": (120, 70, 30),
}


@dataclass
class Answer:
    """One planned choice: text pieces (one word, one token), or tool calls."""

    tokens: list[str]
    finish: str = "stop"
    tool_calls: list[ToolCall] = field(default_factory=list)


def calls_tool(req: ChatRequest) -> bool:
    last = req.messages[-1] if req.messages else {}
    return bool(req.tools) and req.tool_choice != "none" and last.get("role") != "tool"


def tool_call(req: ChatRequest, prompt: str, index: int) -> ToolCall:
    """A call of the named tool (or the first), with arguments drawn from the prompt."""
    tools = [t["function"] for t in req.tools or [] if isinstance(t, dict) and isinstance(t.get("function"), dict)]
    wanted = tool_choice_name(req.tool_choice)
    function = next((f for f in tools if f.get("name") == wanted), tools[0])
    # Choice i starts from the prompt's i-th word, so that the n choices differ.
    arguments = sample(function.get("parameters") or {"type": "object", "properties": {}}, Prompt(prompt, index))
    text = json.dumps(arguments, ensure_ascii=False)
    call_id = "call_" + hashlib.sha256(f"{index}\n{function['name']}\n{prompt}".encode()).hexdigest()[:24]
    return ToolCall(call_id, str(function["name"]), text)


def tool_result_reply(messages: list[ChatMessage]) -> str:
    """An answer that uses the tool results that end the conversation."""
    names = tool_names_by_call_id(messages)
    results = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        name = message.get("name") or names.get(str(message.get("tool_call_id")), "the tool")
        results.append(f"{name} returned: {text_of(message.get('content')).strip()}")
    return "Here is what I found. " + " ".join(reversed(results))


def json_answer(req: ChatRequest, source: str, plain: str, index: int) -> str | None:
    """The JSON text of a json_schema or json_object answer, or None in text mode."""
    schema = response_schema(req.response_format)
    if schema is not None:
        return json.dumps(sample(schema, Prompt(source, index)), ensure_ascii=False)
    if (req.response_format or {}).get("type") == "json_object":
        return json.dumps({"answer": plain.split("\n", 1)[0], "choice": index + 1}, ensure_ascii=False)
    return None


def image_urls(messages: list[ChatMessage]) -> list[str]:
    """The image URLs of the last user message."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return [str(image.get("url", "")) for _, image in image_parts(message.get("content"))]
    return []


def describe_images(urls: list[str]) -> list[str]:
    """One honest sentence per image: size and main colour for data: URIs; remote images are not
    fetched, so for those the answer says it cannot see them."""
    return [_describe(url, number) for number, url in enumerate(urls, 1)]


def _describe(url: str, number: int) -> str:
    decoded = decode_data_uri(url)
    if decoded is None:
        host = urlsplit(url).hostname or "a remote address"
        return (
            f"Image {number}: I cannot see remote images (this one is at {host}); "
            "send it as a data: URI and I will describe it."
        )
    _, data = decoded
    if len(data) > MAX_IMAGE_BYTES:
        return f"Image {number}: it is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB, so I did not open it."
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            image.draft("RGB", (64, 64))  # JPEG decodes at a fraction of its size
            small = image.convert("RGB")
            small.thumbnail((64, 64))
            name, hex_code = _main_colour(list(small.get_flattened_data()))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return f"Image {number}: I could not read it as an image."
    return f"Image {number} is {width}×{height} pixels, mostly {name} ({hex_code})."


def _main_colour(pixels: list[tuple[int, int, int]]) -> tuple[str, str]:
    """The most common colour (pixels bucketed coarsely), as a basic name and a hex code."""
    buckets = Counter((r >> 5, g >> 5, b >> 5) for r, g, b in pixels)
    bucket, _ = buckets.most_common(1)[0]
    members = [p for p in pixels if (p[0] >> 5, p[1] >> 5, p[2] >> 5) == bucket]
    mean = tuple(round(sum(channel) / len(members)) for channel in zip(*members, strict=True))
    name = min(_COLOURS, key=lambda n: math.dist(_COLOURS[n], mean))
    return name, "#{:02x}{:02x}{:02x}".format(*mean)


def logprobs_for(tokens: list[str], top: int | None) -> list[TokenLogprob]:
    """Log probabilities that depend only on the token and its position."""
    entries = []
    for position, token in enumerate(tokens):
        digest = hashlib.sha256(f"{position}\n{token}".encode()).digest()
        logprob = -round((digest[0] + 1) / 256 * 2, 4)
        alternatives = [a for a in _ALTERNATIVES if a != token][: max(0, (top or 0) - 1)]
        top_list = [TopLogprob(token, logprob, list(token.encode()))] if top else []
        top_list += [TopLogprob(a, round(logprob - 1.5 - i, 4), list(a.encode())) for i, a in enumerate(alternatives)]
        entries.append(TokenLogprob(token, logprob, list(token.encode()), top_list))
    return entries


def plain_prompt(messages: list[ChatMessage]) -> str:
    """The text of the last user message: what the reply is about."""
    for message in reversed(messages):
        if message.get("role") == "user":
            return text_of(message.get("content"))
    return text_of(messages[-1].get("content")) if messages else ""


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
