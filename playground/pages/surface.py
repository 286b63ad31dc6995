"""The chat surface of a playground turn beyond its text: the tools editor, the JSON mode and its
schema, and attached images, read from the composer's form and checked here, so an error is
shown next to the field it is about, before any model is asked.

The same tools, format and images go to every model of a comparison; a model that lacks one of
those capabilities is refused by name before the turn starts (`refuse_lacking`).
"""

import base64
import io
import json
import re
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from PIL import Image, UnidentifiedImageError

from catalog.models import AIModel
from config.api.exceptions import ApiError
from playground.generation.chat_shapes import validate_response_format, validate_tools
from playground.generation.params import CAPABILITY_WORDS

MAX_IMAGES = 4
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_SCHEMA_CHARS = 20000
TOOL_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # OpenAI's rule for function names
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
RESPONSE_TYPES = ("text", "json_object", "json_schema")


class SurfaceError(Exception):
    """A field of the tools editor, the JSON mode or the attachments that cannot be sent as it is."""

    def __init__(self, field_id: str, message: str) -> None:
        super().__init__(message)
        self.field_id = field_id  # the id of the element the message is shown in
        self.message = message


@dataclass
class Surface:
    tools: list[dict[str, Any]] | None = None
    response_format: dict[str, Any] | None = None
    images: list[str] = field(default_factory=list)  # data: URIs

    def options(self) -> dict[str, Any]:
        """The generation options (by OpenAI's names) this surface sets."""
        options = {"tools": self.tools, "response_format": self.response_format}
        return {name: value for name, value in options.items() if value}

    def needs(self) -> list[str]:
        """The catalog capabilities every model of the turn must have."""
        response_type = (self.response_format or {}).get("type")
        wanted = {
            "tools": bool(self.tools),
            "vision": bool(self.images),
            "json_mode": response_type == "json_object",
            "json_schema": response_type == "json_schema",
        }
        return [name for name, needed in wanted.items() if needed]

    def content(self, prompt: str) -> str | list[dict[str, Any]]:
        """The user message's content: the text alone, or the text and the images as parts."""
        if not self.images:
            return prompt
        parts: list[dict[str, Any]] = [{"type": "text", "text": prompt}]
        return parts + [{"type": "image_url", "image_url": {"url": url}} for url in self.images]


def _json_object(raw: str, field_id: str, what: str) -> dict[str, Any]:
    if len(raw) > MAX_SCHEMA_CHARS:
        raise SurfaceError(field_id, f"{what} is longer than {MAX_SCHEMA_CHARS} characters.")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise SurfaceError(field_id, f"{what} is not valid JSON: {exc.msg} ({where}).") from None
    if not isinstance(value, dict):
        raise SurfaceError(field_id, f'{what} must be a JSON Schema object, like {{"type": "object"}}.')
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "the top level"
        raise SurfaceError(field_id, f"{what} is not a valid JSON Schema at {where}: {exc.message}") from None
    return value


def _tool(number: int, name: str, description: str, parameters: str) -> dict[str, Any]:
    if not TOOL_NAME.fullmatch(name):
        raise SurfaceError(
            f"tool-{number}-error", f"Tool {number}: the name must be 1 to 64 letters, digits, _ or - (no spaces)."
        )
    schema = (
        _json_object(parameters, f"tool-{number}-error", f"Tool {number}'s parameters")
        if parameters.strip()
        else {"type": "object", "properties": {}}
    )
    if schema.get("type") != "object":
        raise SurfaceError(f"tool-{number}-error", f'Tool {number}\'s parameters must be {{"type": "object", ...}}.')
    function: dict[str, Any] = {"name": name, "parameters": schema}
    if description.strip():
        function["description"] = description.strip()
    return {"type": "function", "function": function}


def read_tools(data: Any) -> list[dict[str, Any]] | None:
    # A row the browser sent without one of its fields still counts (an absent field is empty).
    fields = ("tool_name", "tool_description", "tool_parameters")
    rows = zip_longest(*(data.getlist(name) for name in fields), fillvalue="")
    tools = [
        _tool(number, name.strip(), description, parameters)
        for number, (name, description, parameters) in enumerate(rows, 1)
        if name.strip() or parameters.strip() or description.strip()
    ]
    names = [t["function"]["name"] for t in tools]
    if len(set(names)) < len(names):
        raise SurfaceError("tools-error", "Two tools have the same name: each tool needs its own.")
    try:
        return validate_tools(tools)
    except ApiError as exc:
        raise SurfaceError("tools-error", exc.message) from None


def read_response_format(data: Any) -> dict[str, Any] | None:
    kind = data.get("response_type") or "text"
    if kind not in RESPONSE_TYPES:
        raise SurfaceError("schema-error", "Choose text, JSON or JSON with a schema.")
    if kind == "text":
        return None
    if kind == "json_object":
        return {"type": "json_object"}
    name = (data.get("schema_name") or "").strip() or "answer"
    if not TOOL_NAME.fullmatch(name):
        raise SurfaceError("schema-error", "The schema's name must be 1 to 64 letters, digits, _ or -.")
    if not (data.get("schema") or "").strip():
        raise SurfaceError("schema-error", "Write the JSON Schema the answer must follow.")
    schema = _json_object(data["schema"], "schema-error", "The schema")
    return validate_response_format({"type": "json_schema", "json_schema": {"name": name, "schema": schema}})


def _image(number: int, upload: UploadedFile) -> str:
    if upload.size is None or upload.size > MAX_IMAGE_BYTES:
        raise SurfaceError("attach-error", f"Image {number} is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB.")
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = IMAGE_TYPES.get(image.format or "")
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        kind = None
    if kind is None:
        raise SurfaceError("attach-error", f"Image {number} is not a PNG, JPEG, GIF or WebP image.")
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def read_images(files: Any) -> list[str]:
    uploads = files.getlist("images")
    if len(uploads) > MAX_IMAGES:
        raise SurfaceError("attach-error", f"Attach at most {MAX_IMAGES} images to one message.")
    return [_image(number, upload) for number, upload in enumerate(uploads, 1)]


def read_surface(data: Any, files: Any) -> Surface:
    """The composer's tools, JSON mode and images; SurfaceError names the first field that is wrong."""
    return Surface(tools=read_tools(data), response_format=read_response_format(data), images=read_images(files))


def refuse_lacking(models: list[AIModel], surface: Surface, also: list[str] | None = None) -> str:
    """Why the turn cannot go to every chosen model ("" when each has what the turn needs, and `also`)."""
    for model in models:
        if missing := model.lacks([*surface.needs(), *(also or [])]):
            words = ", ".join(CAPABILITY_WORDS[name] for name in sorted(missing))
            return f"{model.display_name} does not support {words}: remove it from the comparison, or that setting."
    return ""


@dataclass
class ToolRow:
    name: str = ""
    description: str = ""
    parameters: str = ""  # the JSON Schema as the user reads and edits it


@dataclass
class SurfaceFields:
    """The tools editor and the answer format as the settings panel shows them."""

    tools: list[ToolRow]
    response_type: str = "text"
    schema_name: str = "answer"
    schema: str = ""


def surface_fields(options: dict[str, Any] | None) -> SurfaceFields:
    """The panel's fields for saved options (a conversation's or a preset's `tools` and `response_format`,
    by the API's names); one empty tool row when there is no tool, as the editor always has one."""
    options = options or {}
    rows = [
        ToolRow(
            name=function.get("name", ""),
            description=function.get("description", ""),
            parameters=json.dumps(function.get("parameters") or {}, indent=2),
        )
        for tool in options.get("tools") or []
        if isinstance(function := tool.get("function"), dict)
    ]
    fields = SurfaceFields(tools=rows or [ToolRow()])
    response_format = options.get("response_format") or {}
    kind = response_format.get("type")
    if kind in RESPONSE_TYPES:
        fields.response_type = kind
    if kind == "json_schema":
        json_schema = response_format.get("json_schema") or {}
        fields.schema_name = json_schema.get("name") or "answer"
        fields.schema = json.dumps(json_schema.get("schema") or {}, indent=2)
    return fields
