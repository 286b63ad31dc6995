"""The fakes' deterministic answers, whatever the wire format.

Text: "Echo from <model>:" followed by the words of the last user message (or of the tool results
that end the conversation), "[N images]" when that message carried images, and "(i)" for choice
i > 1 of n. One whitespace-separated word is one token; `stop` cuts the text, `max_tokens` the
words. With tools (and tool choice not "none", and no tool result last) the answer calls the named
or first tool (the first two with the @parallel fault) with arguments that satisfy its schema. A
JSON Schema format answers with an object that satisfies it; JSON mode with {"echo": text}.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from providers.messages import text_of
from providers.schema_sample import Prompt, sample

_ALTERNATIVES = (" the", " a", " and", " of", " to")


def count_tokens(text: str) -> int:
    return len(text.split())


def prompt_tokens(messages: list[Any]) -> int:
    return sum(count_tokens(text_of(m.get("content"))) for m in messages if isinstance(m, dict))


def reply_words(model: str, echo: str) -> list[str]:
    return ["Echo", "from", f"{model}:", *echo.split()]


def as_tokens(words: list[str]) -> list[str]:
    return [w if i == 0 else " " + w for i, w in enumerate(words)]


@dataclass
class Call:
    id: str
    name: str
    arguments: dict[str, Any]

    @property
    def text(self) -> str:
        return json.dumps(self.arguments, ensure_ascii=False)


@dataclass
class Ask:
    """What a fake understood from its own wire format."""

    model: str
    echo: str  # text of the last user message, or of the tool results that end the conversation
    prompt_tokens: int
    after_tool: bool = False
    images: int = 0
    max_tokens: Any = None
    stop: list[str] = field(default_factory=list)
    tools: list[dict[str, Any]] = field(default_factory=list)  # function definitions
    tool_choice: Any = None  # "none" | "auto" | "required" | a function name
    schema: dict[str, Any] | None = None
    json_mode: bool = False
    parallel: bool = False
    logprobs: bool = False
    top_logprobs: int = 0


@dataclass
class Answer:
    tokens: list[str]
    finish_reason: str
    calls: list[Call] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.tokens)

    @property
    def completion_tokens(self) -> int:
        return len(self.tokens) + sum(count_tokens(c.text) for c in self.calls)


def answer(ask: Ask, index: int = 0) -> Answer:
    if ask.tools and ask.tool_choice != "none" and not ask.after_tool:
        return Answer([], "tool_calls", _calls(ask, index))
    if ask.schema is not None:
        return _limited(ask, json.dumps(sample(ask.schema, Prompt(ask.echo, index)), ensure_ascii=False))
    if ask.json_mode:
        return _limited(ask, json.dumps({"echo": ask.echo}, ensure_ascii=False))
    words = reply_words(ask.model, ask.echo)
    if ask.images:
        words.append(f"[{ask.images} image{'s' if ask.images > 1 else ''}]")
    if index:
        words.append(f"({index + 1})")
    return _limited(ask, "".join(as_tokens(words)))


def _limited(ask: Ask, text: str) -> Answer:
    for stop in ask.stop:
        if stop and (at := text.find(stop)) >= 0:
            text = text[:at]
    tokens = [w if i == 0 else " " + w for i, w in enumerate(text.split(" "))]
    tokens = [t for t in tokens if t.strip()]
    if isinstance(ask.max_tokens, int) and 0 < ask.max_tokens < len(tokens):
        return Answer(tokens[: ask.max_tokens], "length")
    return Answer(tokens, "stop")


def _calls(ask: Ask, index: int) -> list[Call]:
    named = isinstance(ask.tool_choice, str) and ask.tool_choice not in ("auto", "required")
    forced = ask.tool_choice if named else None
    chosen = [t for t in ask.tools if t.get("name") == forced] if forced else ask.tools[: 2 if ask.parallel else 1]
    calls = []
    for position, tool in enumerate(chosen):
        arguments = sample(tool.get("parameters") or {"type": "object"}, Prompt(ask.echo, index + position))
        digest = hashlib.sha256(f"{ask.model}\n{ask.echo}\n{index}\n{position}".encode()).hexdigest()
        calls.append(Call(f"call_{digest[:24]}", str(tool.get("name")), arguments))
    return calls


def logprobs(tokens: list[str], top: int) -> list[dict[str, Any]]:
    """OpenAI's logprobs.content entries: a token's log probability depends on its position only."""
    entries = []
    for position, token in enumerate(tokens):
        logprob = -round(0.05 * (position + 1), 4)
        alternatives = [token, *[a for a in _ALTERNATIVES if a != token]][:top]
        top_list = [
            {"token": t, "logprob": round(logprob - 1.0 * i, 4), "bytes": list(t.encode())}
            for i, t in enumerate(alternatives)
        ]
        entries.append({"token": token, "logprob": logprob, "bytes": list(token.encode()), "top_logprobs": top_list})
    return entries


def fragments(text: str, pieces: int = 3) -> list[str]:
    """Split tool-call arguments into a few pieces, as providers stream them."""
    size = max(1, -(-len(text) // pieces))
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def openai_tools(tools: Any) -> list[dict[str, Any]]:
    """Function definitions of OpenAI-shaped `tools` (Ollama and MiniMax take the same shape)."""
    return [t["function"] for t in tools or [] if isinstance(t, dict) and isinstance(t.get("function"), dict)]


def openai_tool_choice(choice: Any) -> Any:
    if isinstance(choice, dict):
        return (choice.get("function") or {}).get("name")
    return choice


def last_turn(messages: list[Any]) -> tuple[str, bool, int]:
    """(echo text, whether tool results end the conversation, images in the last user message)."""
    results = []
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") != "tool":
            break
        results.append(text_of(message.get("content")))
    if results:
        return " ".join(reversed(results)), True, 0
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            images = len(message.get("images") or [])  # Ollama
            if isinstance(content, list):
                images += sum(1 for p in content if isinstance(p, dict) and p.get("type") == "image_url")
            return text_of(content), False, images
    return "", False, 0
