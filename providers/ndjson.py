"""Incremental newline-delimited JSON parsing (Ollama streams).

Splitting on the byte b"\\n" is safe for UTF-8: that byte never occurs inside a multi-byte character.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from providers.sse import iter_decoded


class NDJSONDecoder:
    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, chunk: bytes) -> list[Any]:
        self._buffer += chunk
        if b"\n" not in chunk:
            return []
        *lines, self._buffer = self._buffer.split(b"\n")
        return [self._parse(line) for line in lines if line.strip()]

    def flush(self) -> list[Any]:
        line, self._buffer = self._buffer, b""
        return [self._parse(line)] if line.strip() else []

    @staticmethod
    def _parse(line: bytes) -> Any:
        return json.loads(line.decode("utf-8"))  # raises ValueError on garbage


def iter_ndjson(chunks: AsyncIterable[bytes]) -> AsyncIterator[Any]:
    return iter_decoded(NDJSONDecoder(), chunks)
