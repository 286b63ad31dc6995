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
_SURROGATE = re.compile("[\ud800-\udfff]")


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
    string (keys included). Iterative, so a deep value cannot exhaust the stack here either."""
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            _check_string(item, path)
        elif isinstance(item, dict | list):
            if depth > max_depth:
                raise UnsafeJSON(f"The JSON is nested deeper than {max_depth} levels.", path)
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                if isinstance(key, str):
                    _check_string(key, f"a key of {path or 'the body'}")
                    child_path = f"{path}.{key}" if path else key
                else:
                    child_path = f"{path}[{key}]"
                stack.append((child, child_path, depth + 1))


def _check_string(text: str, path: str) -> None:
    if "\x00" in text:
        raise UnsafeJSON("Text may not contain NUL characters (\\u0000).", path)
    if _SURROGATE.search(text):
        raise UnsafeJSON("Text may not contain an unpaired UTF-16 surrogate (\\ud800-\\udfff).", path)
