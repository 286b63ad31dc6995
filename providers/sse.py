"""Incremental Server-Sent Events parsing (the WHATWG event-stream rules).

Bytes may be split anywhere by the network: inside a UTF-8 character, between CR and LF, inside
`data:`. The decoder keeps whatever is incomplete and emits an event only on its blank line.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar


@dataclass(frozen=True)
class SSEEvent:
    data: str
    event: str = "message"
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    def __init__(self) -> None:
        self._text = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._line = ""  # the current unterminated line
        self._skip_lf = False  # the previous chunk ended with CR; a leading LF belongs to it
        self._data: list[str] = []
        self._event = ""
        self._id: str | None = None
        self._retry: int | None = None
        self._started = False
        self.comments = 0  # keep-alives seen; handy for tests and liveness

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        text = self._text.decode(chunk)
        if not self._started and text:
            self._started = True
            text = text.removeprefix("\ufeff")
        return self._consume(text)

    def flush(self) -> list[SSEEvent]:
        """End of stream: a last event without its blank line is still delivered (lenient)."""
        events = self._consume(self._text.decode(b"", final=True))
        if self._line:
            events.extend(self._take_line(self._line))
            self._line = ""
        events.extend(self._dispatch())
        return events

    def _consume(self, text: str) -> list[SSEEvent]:
        events: list[SSEEvent] = []
        start = 0
        if self._skip_lf and text:
            self._skip_lf = False
            if text[0] == "\n":
                start = 1
        if "\r" not in text:
            # Lines end in LF alone (what every provider sends): split at once. This runs per chunk
            # of every stream; the general loop below scans for CR and LF line by line.
            *lines, rest = text[start:].split("\n")
            if lines:
                lines[0] = self._line + lines[0]
                self._line = rest
            else:
                self._line += rest
            for line in lines:
                events.extend(self._take_line(line))
            return events
        length = len(text)
        while start < length:
            cr = text.find("\r", start)
            lf = text.find("\n", start)
            if cr == -1 and lf == -1:
                self._line += text[start:]
                break
            end = lf if cr == -1 else cr if lf == -1 else min(cr, lf)
            line = self._line + text[start:end]
            self._line = ""
            events.extend(self._take_line(line))
            start = end + 1
            if text[end] == "\r":
                if start < length and text[start] == "\n":
                    start += 1
                elif start == length:
                    self._skip_lf = True
        return events

    def _take_line(self, line: str) -> list[SSEEvent]:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            self.comments += 1
            return []
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return []

    def _dispatch(self) -> list[SSEEvent]:
        if not self._data:
            self._event = ""
            return []
        event = SSEEvent(data="\n".join(self._data), event=self._event or "message", id=self._id, retry=self._retry)
        self._data = []
        self._event = ""
        return [event]


T = TypeVar("T")


class StreamDecoder(Protocol[T]):
    """An incremental decoder of a byte stream (SSE events, NDJSON lines): `feed` returns what the
    bytes so far complete, `flush` what is left when the stream ends."""

    def feed(self, chunk: bytes) -> list[T]: ...

    def flush(self) -> list[T]: ...


async def iter_decoded(decoder: StreamDecoder[T], chunks: AsyncIterable[bytes]) -> AsyncIterator[T]:
    async for chunk in chunks:
        for item in decoder.feed(chunk):
            yield item
    for item in decoder.flush():
        yield item


def iter_sse(chunks: AsyncIterable[bytes]) -> AsyncIterator[SSEEvent]:
    return iter_decoded(SSEDecoder(), chunks)


def is_done(event: SSEEvent) -> bool:
    return event.data.strip().startswith("[DONE]")


def decode_json_event(event: SSEEvent) -> Any:
    """The event's JSON payload; raises ValueError on garbage."""
    return json.loads(event.data)
