"""The shapes of a chat request's messages, tools and formats: OpenAI's wire format, typed.

They are TypedDicts, so a request is plain dicts and lists at run time: the OpenAI-wire adapters
forward them untouched (no copy on the hot path), and the adapters that translate (Ollama, MiniMax,
the demo) read them with the helpers below.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from typing import Any, Literal, NotRequired, Required, TypedDict

Role = Literal["system", "developer", "user", "assistant", "tool"]
ROLES: frozenset[str] = frozenset({"system", "developer", "user", "assistant", "tool"})


class ImageURL(TypedDict, total=False):
    url: Required[str]  # https://... or data:image/png;base64,...
    detail: Literal["auto", "low", "high"]


class TextPart(TypedDict):
    type: Literal["text"]
    text: str


class ImagePart(TypedDict):
    type: Literal["image_url"]
    image_url: ImageURL


ContentPart = TextPart | ImagePart


class FunctionCall(TypedDict):
    name: str
    arguments: str  # JSON text, as OpenAI sends it


class ToolCallParam(TypedDict):
    id: str
    type: Literal["function"]
    function: FunctionCall


class ChatMessage(TypedDict, total=False):
    role: Required[Role]
    content: Required[str | list[ContentPart] | None]  # None: an assistant turn that only calls tools
    name: str
    tool_calls: list[ToolCallParam]  # assistant
    tool_call_id: str  # tool


class FunctionDef(TypedDict, total=False):
    name: Required[str]
    description: str
    parameters: dict[str, Any]  # JSON Schema
    strict: bool


class Tool(TypedDict):
    type: Literal["function"]
    function: FunctionDef


class _ToolName(TypedDict):
    name: str


class NamedToolChoice(TypedDict):
    type: Literal["function"]
    function: _ToolName


ToolChoice = Literal["none", "auto", "required"] | NamedToolChoice


class JSONSchemaSpec(TypedDict, total=False):
    name: Required[str]
    description: str
    schema: dict[str, Any]
    strict: bool


class ResponseFormat(TypedDict):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: NotRequired[JSONSchemaSpec]


# ---- reading them -----------------------------------------------------------------------------


def text_of(content: Any) -> str:
    """The text of a message's content, whether a string, a list of parts or None."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def image_parts(content: Any) -> Iterator[tuple[int, ImageURL]]:
    """(index, image_url) of each image part of a content list."""
    if isinstance(content, list):
        for index, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") == "image_url" and isinstance(part.get("image_url"), dict):
                yield index, part["image_url"]


def has_parts(messages: list[ChatMessage]) -> bool:
    return any(isinstance(m.get("content"), list) for m in messages)


def decode_data_uri(url: str) -> tuple[str, bytes] | None:
    """(media type, bytes) of a base64 `data:` URI, or None if `url` is not one."""
    if not url.startswith("data:"):
        return None
    header, sep, payload = url[5:].partition(",")
    if not sep or not header.endswith(";base64"):
        return None
    try:
        return header.removesuffix(";base64") or "application/octet-stream", base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        return None


def data_uri_payload(url: str) -> str | None:
    """The base64 text of a `data:` URI (what Ollama takes in `images`), or None."""
    if not url.startswith("data:"):
        return None
    header, sep, payload = url[5:].partition(",")
    return payload if sep and header.endswith(";base64") else None


def tool_names_by_call_id(messages: list[ChatMessage]) -> dict[str, str]:
    """Which function each earlier tool call id named; providers that key tool results by name need it."""
    names: dict[str, str] = {}
    for message in messages:
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict) and isinstance(call.get("function"), dict):
                names[str(call.get("id"))] = str(call["function"].get("name", ""))
    return names


def tool_choice_name(choice: Any) -> str | None:
    """The function a named tool_choice forces, or None for none/auto/required."""
    if isinstance(choice, dict):
        function = choice.get("function")
        return str(function.get("name")) if isinstance(function, dict) else None
    return None


def response_schema(response_format: Any) -> dict[str, Any] | None:
    """The JSON Schema of a json_schema response_format ({} for one without a schema)."""
    if isinstance(response_format, dict) and response_format.get("type") == "json_schema":
        spec = response_format.get("json_schema") or {}
        schema = spec.get("schema") if isinstance(spec, dict) else None
        return schema if isinstance(schema, dict) else {}
    return None
