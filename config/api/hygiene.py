"""Input hygiene for JSON bodies, shared by every door.

PostgreSQL refuses NUL characters in text and lone UTF-16 surrogates cannot be encoded as UTF-8, so
a string holding either fails far from where it came in (a ledger row, a provider call). JSON nested
thousands deep makes Python's parser raise RecursionError. All three are refused at the door with
the path of the offending value, before anything is admitted, reserved or stored.

`loads(text)` parses and checks; `check_json(value)` checks what a door parsed itself. Both raise
`UnsafeJSON`; a door turns it into its own error shape (the envelope, OpenAI's error, ...).
"""

import json
import re
from typing import Any

MAX_DEPTH = 64
_UNSAFE = re.compile("[\x00\ud800-\udfff]")


class UnsafeJSON(ValueError):
    """`message` says what is wrong; `path` says where (`messages[0].content`), "" for the whole body."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{message} (at {path})" if path else message)
        self.message = message
        self.path = path


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads`, refusing invalid JSON, invalid UTF-8 and everything `check_json` refuses."""
    try:
        if isinstance(text, bytes | bytearray):
            text = text.decode(json.detect_encoding(text), "surrogatepass")  # as json.loads does
        elif text.startswith("\ufeff"):
            raise ValueError("Unexpected UTF-8 BOM (decode using utf-8-sig)")
        value = _DECODER.decode(text)
    except RecursionError:
        raise UnsafeJSON(f"The JSON is nested deeper than {max_depth} levels.") from None
    except UnicodeDecodeError:
        raise UnsafeJSON("The body is not valid UTF-8.") from None
    except ValueError as exc:
        raise UnsafeJSON(f"The body is not valid JSON: {exc}") from None
    check_json(value, max_depth=max_depth)
    return value


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


# Built once: `json.loads(..., parse_constant=...)` would build a decoder on every call.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def check_json(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise `UnsafeJSON` for nesting deeper than `max_depth`, or a NUL or lone surrogate in any
    string (keys included). Iterative, so a deep value cannot exhaust the stack here either.

    Every body passes here, so the walk is lean: strings and numbers are checked where they are met
    (only objects and arrays go on the stack), and the path of a value is kept as a chain of
    (parent, key) links, spelled out only for a refusal."""
    if isinstance(value, str):
        if _unsafe_string(value):
            _refuse_string(value, "")
        return
    stack: list[tuple[Any, int, _Trail]] = [(value, 1, None)] if isinstance(value, dict | list) else []
    while stack:
        item, depth, trail = stack.pop()
        if depth > max_depth:
            raise UnsafeJSON(f"The JSON is nested deeper than {max_depth} levels.", _path(trail))
        if isinstance(item, dict):
            for key in item:
                if isinstance(key, str) and _unsafe_string(key):
                    _refuse_string(key, f"a key of {_path(trail) or 'the body'}")
            pairs: Any = item.items()
        else:
            pairs = enumerate(item)
        for key, child in pairs:
            if isinstance(child, str):
                # isascii() is a flag lookup: an ASCII string cannot hold a surrogate, so only NUL is searched.
                if ("\x00" in child) if child.isascii() else _UNSAFE.search(child) is not None:
                    _refuse_string(child, _path((trail, key)))
            elif isinstance(child, dict | list):
                stack.append((child, depth + 1, (trail, key)))


_Trail = tuple[Any, Any] | None  # (the parent's trail, the key or index), None at the top


def _path(trail: _Trail) -> str:
    """`messages[0].content` for the trail of that value."""
    keys: list[Any] = []
    while trail is not None:
        trail, key = trail
        keys.append(key)
    path = ""
    for key in reversed(keys):
        path = (f"{path}.{key}" if path else key) if isinstance(key, str) else f"{path}[{key}]"
    return path


def _unsafe_string(text: str) -> bool:
    # isascii() is a flag lookup: an ASCII string cannot hold a surrogate, so only NUL is searched.
    return "\x00" in text if text.isascii() else _UNSAFE.search(text) is not None


def _refuse_string(text: str, path: str) -> None:
    if "\x00" in text:
        raise UnsafeJSON("Text may not contain NUL characters (\\u0000).", path)
    raise UnsafeJSON("Text may not contain an unpaired UTF-16 surrogate (\\ud800-\\udfff).", path)
