"""What a chat call returns: whole answers, streamed pieces, tool calls, log probabilities, usage.

Re-exported by providers.base, where the rest of the contract lives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass
class Usage:
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    cached_tokens: int = 0
    reasoning_tokens: int = 0
    estimated: bool = False  # True when we counted locally because upstream reported nothing
    reported_cost: Decimal | None = None  # what the provider says it charged (OpenRouter usage.cost)


@dataclass
class ToolCall:
    """A complete call of a function tool; `arguments` is JSON text, as OpenAI sends it."""

    id: str
    name: str
    arguments: str
    type: str = "function"

    def as_openai(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "function": {"name": self.name, "arguments": self.arguments}}


@dataclass
class ToolCallDelta:
    """One streamed piece of a tool call, in OpenAI's shape: the first piece of call `index` has the
    id, type and function name; later pieces add fragments of the arguments."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""
    type: str | None = None

    def as_openai(self) -> dict[str, Any]:
        delta: dict[str, Any] = {"index": self.index}
        if self.id is not None:
            delta["id"] = self.id
        if self.type is not None:
            delta["type"] = self.type
        function: dict[str, Any] = {"arguments": self.arguments}
        if self.name is not None:
            function["name"] = self.name
        delta["function"] = function
        return delta


@dataclass
class TopLogprob:
    token: str
    logprob: float
    bytes: list[int] | None = None


@dataclass
class TokenLogprob:
    token: str
    logprob: float
    bytes: list[int] | None = None
    top_logprobs: list[TopLogprob] = field(default_factory=list)

    def as_openai(self) -> dict[str, Any]:
        top = [{"token": t.token, "logprob": t.logprob, "bytes": t.bytes} for t in self.top_logprobs]
        return {"token": self.token, "logprob": self.logprob, "bytes": self.bytes, "top_logprobs": top}


@dataclass
class Choice:
    """One of the n answers of a call. `content` is "" when the answer only calls tools."""

    index: int
    content: str
    finish_reason: str | None
    tool_calls: list[ToolCall] = field(default_factory=list)
    logprobs: list[TokenLogprob] | None = None
    refusal: str | None = None


@dataclass
class ChatResult:
    """A whole answer. The top-level fields are choice 0; `choices` lists all n when n > 1."""

    content: str
    finish_reason: str | None
    usage: Usage
    upstream_id: str | None = None
    model: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    logprobs: list[TokenLogprob] | None = None
    refusal: str | None = None
    choices: list[Choice] = field(default_factory=list)

    def all_choices(self) -> list[Choice]:
        if self.choices:
            return self.choices
        return [Choice(0, self.content, self.finish_reason, self.tool_calls, self.logprobs, self.refusal)]


@dataclass
class StreamDelta:
    """A piece of choice `index`: text, tool-call fragments, log probabilities, or a refusal."""

    content: str
    index: int = 0
    tool_calls: list[ToolCallDelta] | None = None
    logprobs: list[TokenLogprob] | None = None
    refusal: str | None = None


@dataclass
class StreamEnd:
    """The end of a stream. `finish_reason` and `tool_calls` (assembled from the deltas) are choice
    0's; when n > 1, `choices` holds every choice, assembled."""

    finish_reason: str | None
    usage: Usage
    upstream_id: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
