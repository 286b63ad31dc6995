"""An offline provider so the product works with no keys and no network.

Models:
- "swift": short replies, about 5 ms per token.
- "deliberate": longer replies, about 40 ms per token after a pause to "think".
- "echo": repeats the last user message, 2 ms per token.
- "reel": video; tasks go preparing -> queueing -> processing -> success over a few seconds.

Replies are deterministic (the same prompt gives the same reply) and mention words of the prompt;
a prompt that asks for code gets a code block. One whitespace-led word is one token, and usage is
counted that way, so usage is exact for this provider (estimated=False).

Fault triggers, for tests and demos: "[[fail]]" in the prompt fails before the first token,
"[[fail-mid]]" fails after three tokens. For video, "[[fail]]" in the prompt makes the task fail.

config.options: "pace" scales every delay (0 = no waiting), "video_seconds" is the time a video
task takes (default 4).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from providers.base import (
    Adapter,
    ChatRequest,
    ChatResult,
    ProviderError,
    StreamDelta,
    StreamEnd,
    UpstreamModel,
    Usage,
    VideoRequest,
    VideoStatus,
)
from providers.tokens import estimate_prompt_tokens, message_text

DEMO_VIDEO = Path(__file__).resolve().parent.parent / "demo_assets" / "demo.mp4"
FAIL_TRIGGER = "[[fail]]"
FAIL_MID_TRIGGER = "[[fail-mid]]"
MID_FAILURE_AFTER = 3
VIDEO_MODEL = "reel"


@dataclass(frozen=True)
class Persona:
    first_token_delay: float
    token_delay: float
    paragraphs: int
    context_length: int
    input_price: Decimal
    output_price: Decimal


PERSONAS: dict[str, Persona] = {
    "swift": Persona(0.03, 0.005, 1, 8192, Decimal("0.10"), Decimal("0.40")),
    "deliberate": Persona(0.25, 0.04, 3, 32768, Decimal("1.00"), Decimal("4.00")),
    "echo": Persona(0.0, 0.002, 0, 8192, Decimal("0"), Decimal("0")),
}

_STOPWORDS = frozenset(
    [
        "about",
        "after",
        "again",
        "also",
        "because",
        "been",
        "before",
        "being",
        "could",
        "does",
        "doing",
        "from",
        "have",
        "having",
        "here",
        "into",
        "just",
        "like",
        "make",
        "more",
        "most",
        "much",
        "only",
        "other",
        "over",
        "please",
        "some",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "very",
        "want",
        "what",
        "when",
        "where",
        "which",
        "while",
        "will",
        "with",
        "would",
        "your",
        "tell",
        "give",
        "show",
        "explain",
        "write",
    ]
)
_OPENINGS = (
    "Here is a short take on {topic}.",
    "Good question about {topic}.",
    "Let us look at {topic} step by step.",
)
_POINTS = (
    "Start from what you already know about {word}.",
    "Check how {word} behaves at the edges.",
    "Keep {word} simple until it has to grow.",
    "Write down one example of {word} before generalising.",
    "Compare {word} with the obvious alternative.",
)
_CLOSINGS = (
    "This reply comes from the offline demo provider, so it is the same every time.",
    "Ask again with more detail and the answer will follow your words.",
)
_REFLECTIONS = (
    "Thinking about {topic} more slowly, the trade-offs matter more than the details.",
    "A longer view of {topic}: what changes over time, and what stays fixed.",
    "There is rarely one right answer here; it depends on what you optimise for.",
)


def _last_user_text(messages: list[dict]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return message_text(message.get("content"))
    return message_text(messages[-1].get("content")) if messages else ""


def _keywords(text: str) -> list[str]:
    words = [w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]{3,}", text)]
    return list(dict.fromkeys(w for w in words if w not in _STOPWORDS))[:3] or ["your question"]


def _pick(options: tuple[str, ...], seed: int, salt: int) -> str:
    return options[(seed >> (salt * 3)) % len(options)]


def compose_reply(model: str, prompt: str) -> str:
    """The full reply text for a prompt; pure and deterministic."""
    if model == "echo":
        return prompt or "(empty message)"
    persona = PERSONAS[model]
    seed = int.from_bytes(hashlib.sha256(f"{model}\n{prompt}".encode()).digest()[:8], "big")
    words = _keywords(prompt)
    topic = " and ".join(words)
    lines = [_pick(_OPENINGS, seed, 0).format(topic=topic), ""]
    lines += [f"- {_pick(_POINTS, seed, i + 1).format(word=word)}" for i, word in enumerate(words)]
    for i in range(persona.paragraphs - 1):
        lines += ["", _pick(_REFLECTIONS, seed, i + 5).format(topic=topic)]
    if re.search(r"\b(code|python|function|script|program)\b", prompt, re.IGNORECASE):
        name = re.sub(r"\W", "_", words[0])
        lines += ["", "```python", f"def {name}_example(value):", "    return value", "```"]
    lines += ["", _pick(_CLOSINGS, seed, 9)]
    return "\n".join(lines)


def split_tokens(text: str) -> list[str]:
    return re.findall(r"\s*\S+", text)


def _apply_limits(tokens: list[str], req: ChatRequest) -> tuple[list[str], str]:
    text = "".join(tokens)
    finish = "stop"
    for stop in req.stop or []:
        at = text.find(stop) if stop else -1
        if at >= 0:
            text = text[:at]
    tokens = split_tokens(text) if text != "".join(tokens) else tokens
    if req.max_tokens is not None and len(tokens) > req.max_tokens:
        tokens, finish = tokens[: req.max_tokens], "length"
    return tokens, finish


class DemoAdapter(Adapter):
    name = "demo"

    @property
    def pace(self) -> float:
        return float(self.config.options.get("pace", 1.0))

    def _plan(self, req: ChatRequest) -> tuple[Persona, list[str], str, Usage, str]:
        persona = PERSONAS.get(req.model)
        if persona is None:
            raise ProviderError(
                "model_not_found", f"The demo has no model named {req.model!r}", status=404, provider=self.name
            )
        prompt = _last_user_text(req.messages)
        if FAIL_TRIGGER in prompt:
            raise ProviderError("unavailable", "The demo was asked to fail ([[fail]])", status=503, provider=self.name)
        tokens, finish = _apply_limits(split_tokens(compose_reply(req.model, prompt)), req)
        prompt_tokens = estimate_prompt_tokens(req.messages)
        usage = Usage(prompt_tokens, len(tokens), prompt_tokens + len(tokens))
        upstream_id = "demo-" + hashlib.sha256(f"{req.model}\n{prompt}".encode()).hexdigest()[:16]
        return persona, tokens, finish, usage, upstream_id

    async def chat(self, req: ChatRequest) -> ChatResult:
        persona, tokens, finish, usage, upstream_id = self._plan(req)
        if FAIL_MID_TRIGGER in _last_user_text(req.messages):
            raise ProviderError("unavailable", "The demo was asked to fail midway ([[fail-mid]])", provider=self.name)
        await asyncio.sleep(self.pace * (persona.first_token_delay + persona.token_delay * len(tokens)))
        return ChatResult("".join(tokens), finish, usage, upstream_id, req.model)

    async def stream_chat(self, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        persona, tokens, finish, usage, upstream_id = self._plan(req)
        fail_mid = FAIL_MID_TRIGGER in _last_user_text(req.messages)
        await asyncio.sleep(self.pace * persona.first_token_delay)
        for index, token in enumerate(tokens):
            if fail_mid and index == MID_FAILURE_AFTER:
                raise ProviderError(
                    "unavailable", "The demo was asked to fail midway ([[fail-mid]])", provider=self.name
                )
            if index:
                await asyncio.sleep(self.pace * persona.token_delay)
            yield StreamDelta(token)
        yield StreamEnd(finish, usage, upstream_id)

    async def list_models(self) -> list[UpstreamModel]:
        models = [
            UpstreamModel(
                id=name,
                name=f"Demo {name.title()}",
                context_length=p.context_length,
                max_output_tokens=2048,
                input_price_per_1m=p.input_price,
                output_price_per_1m=p.output_price,
                modality="text->text",
                raw={"pace_ms_per_token": p.token_delay * 1000},
            )
            for name, p in PERSONAS.items()
        ]
        models.append(UpstreamModel(id=VIDEO_MODEL, name="Demo Reel", modality="text->video", raw={"clip": "2s"}))
        return models

    # Video: the task id carries its own creation time, so polling needs no stored state and
    # works from any process.
    async def video_submit(self, req: VideoRequest) -> str:
        if req.model != VIDEO_MODEL:
            raise ProviderError(
                "model_not_found", f"The demo has no video model {req.model!r}", status=404, provider=self.name
            )
        if not req.prompt.strip():
            raise ProviderError("bad_request", "A video needs a prompt", status=400, provider=self.name)
        created_ms = int(time.time() * 1000)
        outcome = "f" if FAIL_TRIGGER in req.prompt else "s"
        digest = hashlib.sha256(req.prompt.encode()).hexdigest()[:8]
        return f"reel-{created_ms}-{outcome}-{digest}"

    async def video_poll(self, task_id: str) -> VideoStatus:
        try:
            _, created_ms, outcome, _ = task_id.split("-")
            elapsed = time.time() - int(created_ms) / 1000
        except ValueError as exc:
            raise ProviderError("bad_request", f"Unknown task {task_id!r}", status=404, provider=self.name) from exc
        total = float(self.config.options.get("video_seconds", 4.0))
        if elapsed < 0.2 * total:
            return VideoStatus("preparing")
        if elapsed < 0.4 * total:
            return VideoStatus("queueing")
        if outcome == "f":
            return VideoStatus("fail", error="The demo was asked to fail ([[fail]])")
        if elapsed < total:
            return VideoStatus("processing")
        return VideoStatus("success", file_id=f"demo-{task_id}", width=320, height=180)

    async def video_result_url(self, file_id: str) -> str:
        if not file_id.startswith("demo-"):
            raise ProviderError("bad_request", f"Unknown file {file_id!r}", status=404, provider=self.name)
        return DEMO_VIDEO.as_uri()
