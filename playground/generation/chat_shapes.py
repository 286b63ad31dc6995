"""The shapes of a chat request beyond its sampling numbers, checked at the door in OpenAI's terms:
messages with content parts and tool calls, tools, tool choice, response format and the other
options. A malformed value is a 400 naming its path; whether the model can honour a well-formed
one is decided later (params.required_capabilities, the adapter's unsupported_fields).
"""

from typing import Any

from config.api.exceptions import ApiError
from providers.messages import ROLES

REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
RESPONSE_TYPES = ("text", "json_object", "json_schema")
TOOL_CHOICES = ("none", "auto", "required")
IMAGE_DETAILS = ("auto", "low", "high")
MAX_N = 8  # choices in one answer
MAX_TOP_LOGPROBS = 20
MAX_TOOLS = 128
MAX_METADATA_KEYS = 16
MAX_METADATA_VALUE = 512
MAX_END_USER = 256


def refuse(path: str, message: str) -> ApiError:
    return ApiError("VALIDATION_ERROR", message, details={path: [message]}, param=path)


def _text_part(part: dict[str, Any], path: str) -> dict[str, Any]:
    if not isinstance(part.get("text"), str):
        raise refuse(f"{path}.text", f"{path}.text must be a string.")
    return {"type": "text", "text": part["text"]}


def _image_part(part: dict[str, Any], path: str) -> dict[str, Any]:
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else None
    if not isinstance(url, str) or not url.startswith(("https://", "http://", "data:image/")):
        raise refuse(f"{path}.image_url.url", f"{path}.image_url.url must be an http(s) URL or a data:image/ URI.")
    clean: dict[str, Any] = {"url": url}
    if (detail := image.get("detail")) is not None:  # type: ignore[union-attr]
        if detail not in IMAGE_DETAILS:
            raise refuse(f"{path}.image_url.detail", f"{path}.image_url.detail must be one of auto, low, high.")
        clean["detail"] = detail
    return {"type": "image_url", "image_url": clean}


def _parts(content: list[Any], path: str, *, images: bool) -> list[dict[str, Any]]:
    if not content:
        raise refuse(path, f"{path} must not be an empty list.")
    clean = []
    for index, part in enumerate(content):
        where = f"{path}[{index}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            clean.append(_text_part(part, where))
        elif kind == "image_url" and images:
            clean.append(_image_part(part, where))
        else:
            allowed = "text or image_url" if images else "text"
            raise refuse(f"{where}.type", f"{where}.type must be {allowed}.")
    return clean


def _tool_calls(calls: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(calls, list) or not calls:
        raise refuse(path, f"{path} must be a non-empty list.")
    clean = []
    for index, call in enumerate(calls):
        where = f"{path}[{index}]"
        function = call.get("function") if isinstance(call, dict) else None
        if (
            not isinstance(call, dict)
            or not isinstance(call.get("id"), str)
            or call.get("type", "function") != "function"
        ):
            raise refuse(where, f"{where} must be a function call with an id.")
        if not isinstance(function, dict) or not isinstance(function.get("name"), str):
            raise refuse(f"{where}.function.name", f"{where}.function.name must be a string.")
        if not isinstance(function.get("arguments"), str):
            raise refuse(f"{where}.function.arguments", f"{where}.function.arguments must be JSON text (a string).")
        clean.append(
            {
                "id": call["id"],
                "type": "function",
                "function": {"name": function["name"], "arguments": function["arguments"]},
            }
        )
    return clean


def _message(message: Any, path: str) -> dict[str, Any]:
    # A role that is not a string (a list, an object) cannot be looked up in a set: refused alike.
    if not isinstance(message, dict) or not isinstance(message.get("role"), str) or message["role"] not in ROLES:
        raise refuse(f"{path}.role", f"{path}.role must be one of system, developer, user, assistant, tool.")
    role, content = message["role"], message.get("content")
    clean: dict[str, Any] = {"role": role}
    if role == "assistant" and message.get("tool_calls") is not None:
        clean["tool_calls"] = _tool_calls(message["tool_calls"], f"{path}.tool_calls")
    if isinstance(content, str):
        clean["content"] = content
    elif isinstance(content, list):
        clean["content"] = _parts(content, f"{path}.content", images=role == "user")
    elif content is None and "tool_calls" in clean:
        clean["content"] = None
    else:
        need = (
            "a string, a list of parts, or null with tool_calls"
            if role == "assistant"
            else "a string or a list of parts"
        )
        raise refuse(f"{path}.content", f"{path}.content must be {need}.")
    if role == "tool":
        if not isinstance(message.get("tool_call_id"), str) or not message["tool_call_id"]:
            raise refuse(f"{path}.tool_call_id", f"{path}.tool_call_id is required on a tool message.")
        clean["tool_call_id"] = message["tool_call_id"]
    if (name := message.get("name")) is not None:
        if not isinstance(name, str):
            raise refuse(f"{path}.name", f"{path}.name must be a string.")
        clean["name"] = name
    return clean


def validate_messages(messages: Any) -> list[dict[str, Any]]:
    """The messages as OpenAI takes them (unknown keys of a message are left out, as OpenAI ignores them)."""
    if not isinstance(messages, list) or not messages:
        raise refuse("messages", "messages must be a non-empty list of {role, content} objects.")
    return [_message(message, f"messages[{index}]") for index, message in enumerate(messages)]


def _tool(tool: Any, path: str) -> dict[str, Any]:
    function = tool.get("function") if isinstance(tool, dict) else None
    if not isinstance(tool, dict) or tool.get("type") != "function" or not isinstance(function, dict):
        raise refuse(path, f"{path} must be {{type: function, function: {{name, parameters}}}}.")
    if not isinstance(function.get("name"), str) or not function["name"]:
        raise refuse(f"{path}.function.name", f"{path}.function.name must be a non-empty string.")
    if "parameters" in function and not isinstance(function["parameters"], dict):
        raise refuse(f"{path}.function.parameters", f"{path}.function.parameters must be a JSON Schema object.")
    if "description" in function and not isinstance(function["description"], str):
        raise refuse(f"{path}.function.description", f"{path}.function.description must be a string.")
    if "strict" in function and not isinstance(function["strict"], bool | None):
        raise refuse(f"{path}.function.strict", f"{path}.function.strict must be a boolean.")
    return {"type": "function", "function": function}


def validate_tools(tools: Any) -> list[dict[str, Any]] | None:
    if tools is None:
        return None
    if not isinstance(tools, list) or len(tools) > MAX_TOOLS:
        raise refuse("tools", f"tools must be a list of at most {MAX_TOOLS} function tools.")
    return [_tool(tool, f"tools[{index}]") for index, tool in enumerate(tools)] or None


def validate_tool_choice(choice: Any, tools: list[dict[str, Any]] | None) -> Any:
    if choice is None or choice in TOOL_CHOICES:
        if choice in ("required",) and not tools:
            raise refuse("tool_choice", "tool_choice 'required' needs tools.")
        return choice
    name = (choice.get("function") or {}).get("name") if isinstance(choice, dict) else None
    if not isinstance(choice, dict) or choice.get("type") != "function" or not isinstance(name, str):
        raise refuse("tool_choice", "tool_choice must be none, auto, required or {type: function, function: {name}}.")
    if name not in {t["function"]["name"] for t in tools or []}:
        raise refuse("tool_choice", f"tool_choice names '{name}', which is not one of the tools.")
    return {"type": "function", "function": {"name": name}}


def validate_response_format(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or value.get("type") not in RESPONSE_TYPES:
        raise refuse("response_format", "response_format.type must be one of text, json_object, json_schema.")
    if value["type"] != "json_schema":
        return {"type": value["type"]}
    spec = value.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str) or not spec["name"]:
        raise refuse("response_format.json_schema.name", "response_format.json_schema needs a name.")
    if "schema" in spec and not isinstance(spec["schema"], dict):
        raise refuse("response_format.json_schema.schema", "response_format.json_schema.schema must be an object.")
    return {"type": "json_schema", "json_schema": spec}


def integer(name: str, value: Any, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise refuse(name, f"{name} must be an integer between {low} and {high}.")
    return value


def boolean(name: str, value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise refuse(name, f"{name} must be true or false.")
    return value


def one_of(name: str, value: Any, allowed: tuple[str, ...]) -> str | None:
    if value is not None and value not in allowed:
        raise refuse(name, f"{name} must be one of {', '.join(allowed)}.")
    return value


def short_text(name: str, value: Any, limit: int = MAX_END_USER) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > limit):
        raise refuse(name, f"{name} must be a string of at most {limit} characters.")
    return value


def validate_metadata(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or len(value) > MAX_METADATA_KEYS
        or not all(isinstance(k, str) and len(k) <= 64 for k in value)
        or not all(isinstance(v, str) and len(v) <= MAX_METADATA_VALUE for v in value.values())
    ):
        raise refuse(
            "metadata",
            f"metadata must map at most {MAX_METADATA_KEYS} keys (up to 64 characters) to strings "
            f"(up to {MAX_METADATA_VALUE}).",
        )
    return dict(value)


def validate_logit_bias(value: Any) -> dict[str, int] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and -100 <= v <= 100 for v in value.values()
    ):
        raise refuse("logit_bias", "logit_bias must map token ids to numbers between -100 and 100.")
    return {str(k): int(v) for k, v in value.items()}
