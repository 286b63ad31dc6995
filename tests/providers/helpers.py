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
