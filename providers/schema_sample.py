"""A deterministic value that satisfies a JSON Schema, with strings and numbers drawn from a prompt.

Used by the demo provider (tool arguments, JSON mode) and by the fake upstream. It covers what tool
and response schemas use in practice: types (and lists of types), enum and const, required and
optional properties, nested objects, arrays with minItems/maxItems, anyOf/oneOf/allOf, local $ref,
string length and formats, number bounds. `pattern` cannot be satisfied in general and is ignored.
"""

from __future__ import annotations

import re
from typing import Any

MAX_DEPTH = 8
_FORMATS = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T00:00:00Z",
    "time": "00:00:00",
    "email": "someone@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "192.0.2.1",
    "hostname": "example.com",
}
_COMMON = frozenset(
    re.findall(
        r"\S+",
        "the a an is are was what whats what's how why when where who which please tell me my in on at for "
        "to of and or with about it this that can could would should do does get find show give",
    )
)


class Prompt:
    """Words of a prompt, handed out in turn so that each string property gets its own."""

    def __init__(self, text: str, start: int = 0) -> None:
        self.text = " ".join(text.split())
        words = re.findall(r"[A-Za-z][A-Za-z'-]*", self.text)
        named = [w for i, w in enumerate(words) if w[0].isupper() and len(w) > 1 and (i or len(words) == 1)]
        plain = [w for w in words if w.lower() not in _COMMON and len(w) > 2]
        self.words = list(dict.fromkeys(named + plain)) or [self.text or "example"]
        self.numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", self.text)]
        self._next = start  # where to start handing out words, so that variants differ

    def word(self) -> str:
        word = self.words[self._next % len(self.words)]
        self._next += 1
        return word


def sample(schema: Any, prompt: str | Prompt = "") -> Any:
    """A value valid against `schema` (a dict, or True/False as JSON Schema allows)."""
    words = prompt if isinstance(prompt, Prompt) else Prompt(prompt)
    return _value(schema, words, schema if isinstance(schema, dict) else {}, 0)


def _value(schema: Any, prompt: Prompt, root: dict[str, Any], depth: int) -> Any:
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None if schema is False else "example"
    if "$ref" in schema:
        return _value(_resolve(schema["$ref"], root), prompt, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list) and schema[key]:
            # The first branch, together with the keywords beside anyOf/oneOf, which apply as well.
            branch = schema[key][0]
            branch = _resolve(branch["$ref"], root) if isinstance(branch, dict) and "$ref" in branch else branch
            rest = {k: v for k, v in schema.items() if k != key}
            return _value(_merge(rest, branch) if isinstance(branch, dict) else branch, prompt, root, depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for part in schema["allOf"]:
            merged = _merge(merged, _resolve(part["$ref"], root) if "$ref" in part else part)
        return _value(merged, prompt, root, depth + 1)
    kind = _type_of(schema)
    if kind == "object":
        return _object(schema, prompt, root, depth)
    if kind == "array":
        return _array(schema, prompt, root, depth)
    if kind in ("number", "integer"):
        return _number(schema, prompt, kind == "integer")
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema, prompt)


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        real = [k for k in kind if k != "null"]
        kind = real[0] if real else "null"
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _object(schema: dict[str, Any], prompt: Prompt, root: dict[str, Any], depth: int) -> dict[str, Any]:
    properties = schema.get("properties") or {}
    # Every property is filled, not only the required ones: strict schemas require them all.
    value = {name: _value(sub, prompt, root, depth + 1) for name, sub in properties.items()}
    for name in schema.get("required") or []:
        if name not in value:
            extra = schema.get("additionalProperties")
            value[name] = _value(extra if isinstance(extra, dict) else {}, prompt, root, depth + 1)
    return value


def _array(schema: dict[str, Any], prompt: Prompt, root: dict[str, Any], depth: int) -> list[Any]:
    items = schema.get("items")
    prefix = schema.get("prefixItems") or []
    count = max(1, int(schema.get("minItems") or 0), len(prefix))
    if schema.get("maxItems") is not None:
        count = min(count, int(schema["maxItems"]))
    values = [_value(sub, prompt, root, depth + 1) for sub in prefix[:count]]
    values += [_value(items if items is not None else {}, prompt, root, depth + 1) for _ in range(count - len(values))]
    if schema.get("uniqueItems") and len({repr(v) for v in values}) < len(values):
        values = values[:1]
    return values


def _number(schema: dict[str, Any], prompt: Prompt, integer: bool) -> int | float:
    candidates: list[float] = [*prompt.numbers, 1, 0]
    for bound, step in (("minimum", 0), ("exclusiveMinimum", 1), ("maximum", 0), ("exclusiveMaximum", -1)):
        if isinstance(schema.get(bound), int | float):
            candidates.append(schema[bound] + step)
    if isinstance(schema.get("multipleOf"), int | float):
        candidates += [schema["multipleOf"] * k for k in range(1, 1000)]
    for number in candidates:
        value = int(number) if integer else number
        if _within(value, schema):
            return value
    return candidates[-1]


def _within(number: float, schema: dict[str, Any]) -> bool:
    if "minimum" in schema and number < schema["minimum"]:
        return False
    if "maximum" in schema and number > schema["maximum"]:
        return False
    if "exclusiveMinimum" in schema and number <= schema["exclusiveMinimum"]:
        return False
    if "exclusiveMaximum" in schema and number >= schema["exclusiveMaximum"]:
        return False
    step = schema.get("multipleOf")
    if not step:
        return True
    if isinstance(number, int) and isinstance(step, int):
        return number % step == 0  # exact: a float quotient of a large integer rounds to a whole one
    return (number / step) == int(number / step)


def _string(schema: dict[str, Any], prompt: Prompt) -> str:
    text = _FORMATS.get(str(schema.get("format")), "") or prompt.word()
    low, high = int(schema.get("minLength") or 0), schema.get("maxLength")
    if len(text) < low:
        text = (text + " " + prompt.text).ljust(low, "x")[: max(low, len(text))]
    if high is not None:
        text = text[: int(high)]
    return text


def _resolve(ref: str, root: dict[str, Any]) -> Any:
    if not ref.startswith("#"):
        return {}
    node: Any = root
    for part in ref.lstrip("#").strip("/").split("/"):
        if not part:
            continue
        node = node.get(part.replace("~1", "/").replace("~0", "~"), {}) if isinstance(node, dict) else {}
    return node


def _merge(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    merged = {**left, **right}
    if "properties" in left or "properties" in right:
        merged["properties"] = {**(left.get("properties") or {}), **(right.get("properties") or {})}
    if "required" in left or "required" in right:
        merged["required"] = list(dict.fromkeys([*(left.get("required") or []), *(right.get("required") or [])]))
    return merged
