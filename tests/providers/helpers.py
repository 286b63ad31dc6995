from collections.abc import AsyncIterator

from providers.base import ChatRequest, StreamDelta, StreamEnd


def ask(model: str, text: str = "Say hi", **fields) -> ChatRequest:
    return ChatRequest(model=model, messages=[{"role": "user", "content": text}], **fields)


async def collect(stream: AsyncIterator[StreamDelta | StreamEnd]) -> tuple[str, StreamEnd]:
    parts: list[str] = []
    end = None
    async for item in stream:
        assert end is None, "nothing may follow StreamEnd"
        if isinstance(item, StreamDelta):
            parts.append(item.content)
        else:
            end = item
    assert end is not None, "a stream must finish with StreamEnd"
    return "".join(parts), end


WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}, "required": ["zone"]},
    },
}
PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "age": {"type": "integer", "minimum": 0},
        "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1},
    },
    "required": ["name", "age", "tags"],
    "additionalProperties": False,
}
PERSON_FORMAT = {"type": "json_schema", "json_schema": {"name": "person", "strict": True, "schema": PERSON_SCHEMA}}
# A 4x2 red PNG, made with Pillow.
RED_PNG_BASE64 = "iVBORw0KGgoAAAANSUhEUgAAAAQAAAACCAIAAADwyuo0AAAAEElEQVR4nGP8z4AATEhsBgAZNQEDGy9LEgAAAABJRU5ErkJggg=="
RED_PNG = "data:image/png;base64," + RED_PNG_BASE64


def tool_round_trip(call_id: str, name: str, arguments: str, result: str) -> list[dict]:
    """The messages of a conversation in which the model called a tool and the client answered."""
    return [
        {"role": "user", "content": "What is the weather in Paris?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}],
        },
        {"role": "tool", "tool_call_id": call_id, "content": result},
    ]


async def collect_items(stream: AsyncIterator[StreamDelta | StreamEnd]) -> tuple[list[StreamDelta], StreamEnd]:
    deltas: list[StreamDelta] = []
    end = None
    async for item in stream:
        assert end is None, "nothing may follow StreamEnd"
        if isinstance(item, StreamDelta):
            deltas.append(item)
        else:
            end = item
    assert end is not None, "a stream must finish with StreamEnd"
    return deltas, end
