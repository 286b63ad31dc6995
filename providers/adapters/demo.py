"""An offline provider so the product works with no keys and no network.

Models:
- "swift": short replies, about 5 ms per token.
- "deliberate": longer replies, about 40 ms per token after a pause to "think".
- "echo": repeats the last user message, 2 ms per token.
- "reel": video; tasks go preparing -> queueing -> processing -> success over a few seconds.
- "compass", "atlas": embeddings; "sketch", "canvas": images drawn with Pillow (demo_media.py).

Replies are deterministic (the same request gives the same reply) and mention words of the prompt;
a prompt that asks for code gets a code block. One whitespace-led word is one token, and usage is
counted that way, so usage is exact for this provider (estimated=False).

The whole chat surface works offline (demo_answers.py): given tools (and tool_choice not "none"),
the reply calls the named or first tool with arguments drawn from the prompt that satisfy the
tool's JSON Schema, streamed as OpenAI streams tool calls; after tool results it answers in text
using them. A json_schema format gives an object satisfying the schema, json_object an object. An
image sent as a data: URI is described (size, main colour); a remote image is not fetched and the
reply says so. logprobs are deterministic; n > 1 gives n different choices. Sampling fields
(temperature, top_p, penalties, seed) are accepted and change nothing: the demo is deterministic.

Fault triggers, for tests and demos: "[[fail]]" in the prompt fails before the first token,
"[[fail-mid]]" fails after three tokens. For video, "[[fail]]" in the prompt makes the task fail.

config.options: "pace" scales every delay (0 = no waiting), "video_seconds" is the time a video
task takes (default 4).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from providers.adapters import demo_answers as answers
from providers.adapters.demo_answers import Answer
from providers.adapters.demo_media import FAIL_TRIGGER, DemoMedia
from providers.adapters.demo_text import compose_reply, split_tokens
from providers.base import (
    OPTIONAL_FIELDS,
    ChatRequest,
    ChatResult,
    Choice,
    ProviderError,
    StreamDelta,
    StreamEnd,
    ToolCallDelta,
    UpstreamModel,
    Usage,
    VideoRequest,
    VideoStatus,
)
from providers.tokens import estimate_prompt_tokens

DEMO_VIDEO = Path(__file__).resolve().parent.parent / "demo_assets" / "demo.mp4"
FAIL_MID_TRIGGER = "[[fail-mid]]"
MID_FAILURE_AFTER = 3
VIDEO_MODEL = "reel"
ARGUMENT_PIECE = 12  # characters of tool-call arguments per streamed delta


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


@dataclass
class Plan:
    persona: Persona
    answers: list[Answer]
    usage: Usage
    upstream_id: str
    fail_mid: bool


class DemoAdapter(DemoMedia):
    name = "demo"
    # Token ids mean nothing to a model whose tokens are words, and it does not reason.
    supported_fields = frozenset(OPTIONAL_FIELDS) - {"logit_bias", "reasoning_effort"}
    takes_passthrough = False

    async def _plan(self, req: ChatRequest) -> Plan:
        self.refuse_unsupported(req)
        persona = PERSONAS.get(req.model)
        if persona is None:
            raise ProviderError(
                "model_not_found", f"The demo has no model named {req.model!r}", status=404, provider=self.name
            )
        prompt = answers.plain_prompt(req.messages)
        if FAIL_TRIGGER in prompt:
            raise ProviderError("unavailable", "The demo was asked to fail ([[fail]])", status=503, provider=self.name)
        urls = answers.image_urls(req.messages)
        seen = await asyncio.to_thread(answers.describe_images, urls) if urls else []
        planned = [self._answer(req, persona, prompt, seen, i) for i in range(req.choices)]
        completion = sum(len(a.tokens) + sum(len(split_tokens(c.arguments)) + 1 for c in a.tool_calls) for a in planned)
        prompt_tokens = estimate_prompt_tokens(req.messages)
        usage = Usage(prompt_tokens, completion, prompt_tokens + completion)
        upstream_id = "demo-" + hashlib.sha256(f"{req.model}\n{prompt}".encode()).hexdigest()[:16]
        return Plan(persona, planned, usage, upstream_id, FAIL_MID_TRIGGER in prompt)

    def _answer(self, req: ChatRequest, persona: Persona, prompt: str, seen: list[str], index: int) -> Answer:
        if answers.calls_tool(req):
            return Answer([], "tool_calls", [answers.tool_call(req, prompt, index)])
        after_tools = bool(req.messages) and req.messages[-1].get("role") == "tool"
        if after_tools:
            plain = answers.tool_result_reply(req.messages)
            source = answers.text_of(req.messages[-1].get("content"))
        else:
            plain = "\n".join([*seen, compose_reply(req.model, prompt, persona.paragraphs, index)])
            source = prompt
        text = answers.json_answer(req, source, plain, index) or plain
        tokens, finish = _apply_limits(split_tokens(text), req)
        return Answer(tokens, finish)

    async def chat(self, req: ChatRequest) -> ChatResult:
        plan = await self._plan(req)
        if plan.fail_mid:
            raise ProviderError("unavailable", "The demo was asked to fail midway ([[fail-mid]])", provider=self.name)
        tokens = sum(len(a.tokens) for a in plan.answers)
        await asyncio.sleep(self.pace * (plan.persona.first_token_delay + plan.persona.token_delay * tokens))
        choices = [self._choice(req, a, i) for i, a in enumerate(plan.answers)]
        first = choices[0]
        return ChatResult(
            first.content,
            first.finish_reason,
            plan.usage,
            plan.upstream_id,
            req.model,
            tool_calls=first.tool_calls,
            logprobs=first.logprobs,
            choices=choices if len(choices) > 1 else [],
        )

    def _choice(self, req: ChatRequest, answer: Answer, index: int) -> Choice:
        logprobs = answers.logprobs_for(answer.tokens, req.top_logprobs) if req.logprobs else None
        return Choice(index, "".join(answer.tokens), answer.finish, answer.tool_calls, logprobs)

    async def stream_chat(self, req: ChatRequest) -> AsyncIterator[StreamDelta | StreamEnd]:
        plan = await self._plan(req)
        await asyncio.sleep(self.pace * plan.persona.first_token_delay)
        pieces = [list(_pieces(req, a, i)) for i, a in enumerate(plan.answers)]
        sent = 0
        # Choices take turns, one piece each, as OpenAI interleaves them.
        for round_ in range(max(len(p) for p in pieces)):
            for choice in pieces:
                if round_ >= len(choice):
                    continue
                if plan.fail_mid and sent == MID_FAILURE_AFTER:
                    raise ProviderError(
                        "unavailable", "The demo was asked to fail midway ([[fail-mid]])", provider=self.name
                    )
                if sent:
                    await asyncio.sleep(self.pace * plan.persona.token_delay)
                sent += 1
                yield choice[round_]
        choices = [self._choice(req, a, i) for i, a in enumerate(plan.answers)]
        yield StreamEnd(
            choices[0].finish_reason,
            plan.usage,
            plan.upstream_id,
            tool_calls=choices[0].tool_calls,
            choices=choices if len(choices) > 1 else [],
        )

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
        return models + self.media_models()

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


def _pieces(req: ChatRequest, answer: Answer, index: int) -> list[StreamDelta]:
    """A choice as stream deltas: each tool call as OpenAI streams it (id, type and name first, then
    argument fragments), then one delta per word."""
    deltas = []
    for position, call in enumerate(answer.tool_calls):
        deltas.append(StreamDelta("", index, [ToolCallDelta(position, call.id, call.name, "", "function")]))
        for start in range(0, len(call.arguments), ARGUMENT_PIECE):
            fragment = call.arguments[start : start + ARGUMENT_PIECE]
            deltas.append(StreamDelta("", index, [ToolCallDelta(position, arguments=fragment)]))
    logprobs = answers.logprobs_for(answer.tokens, req.top_logprobs) if req.logprobs else None
    for position, token in enumerate(answer.tokens):
        deltas.append(StreamDelta(token, index, logprobs=[logprobs[position]] if logprobs else None))
    return deltas


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
