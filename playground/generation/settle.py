"""After the call: what it cost, its ledger row, the counters, the response cache. Every answer is
settled exactly once, whether it succeeded, failed, was cancelled or came from the cache."""

import asyncio
import logging
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from catalog.models import AIModel
from catalog.pricing import compute_cost
from config.api.exceptions import ApiError
from playground.generation import response_cache
from playground.generation.prepare import Prepared
from providers.base import Choice, ProviderError, TokenLogprob, ToolCall, Usage
from providers.errors import BLOCKED_ADDRESS
from providers.tokens import estimate_prompt_tokens, estimate_tokens
from usage import admission
from usage.counters import Charge
from usage.limits import to_nano
from usage.models import GenerationStatus

logger = logging.getLogger(__name__)


@dataclass
class GenerationOutcome:
    """What was recorded; every door renders its response from this."""

    generation_id: uuid.UUID
    model: AIModel
    content: str
    finish_reason: str | None
    usage: Usage
    cost: Decimal | None
    status: str
    cached: bool = False
    ttft_ms: int | None = None
    duration_ms: int = 0
    created: int = 0
    created_at: datetime | None = None
    error: ApiError | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)  # choice 0's
    logprobs: list[TokenLogprob] | None = None  # choice 0's, whole answers only
    refusal: str | None = None
    choices: list[Choice] = field(default_factory=list)  # every choice, when one call answered n > 1

    def all_choices(self) -> list[Choice]:
        if self.choices:
            return self.choices
        return [Choice(0, self.content, self.finish_reason, self.tool_calls, self.logprobs, self.refusal)]


def status_for(exc: ProviderError) -> str:
    return GenerationStatus.TIMEOUT if exc.kind == "timeout" else GenerationStatus.ERROR


# The gateway has already retried (providers.http) and tried the fallbacks: a client's own retry
# would only send the same request through all of that again (OpenAI's SDKs honour this header).
NO_RETRY = {"x-should-retry": "false"}


def provider_failure(exc: ProviderError, request_id: str = "") -> ApiError:
    """What a client is told of a provider's failure: the kind in our words (ProviderError.message is
    safe to show), never an exception's text or the upstream's body, which go to the log."""
    logger.warning("provider failure, request %s: %s", request_id or "-", exc)
    if exc.code == BLOCKED_ADDRESS:  # the gateway's configuration, not the caller's request
        return ApiError("PROVIDER_ERROR", exc.message, {"kind": BLOCKED_ADDRESS, "provider": exc.provider}, NO_RETRY)
    details = {"kind": exc.kind, "provider": exc.provider}
    if exc.kind in ("bad_request", "content_filter"):
        return ApiError("VALIDATION_ERROR", f"The provider refused the request: {exc.message}", headers=NO_RETRY)
    if exc.kind == "rate_limited":  # 429 with the upstream's wait, so that clients back off and retry
        wait = {"Retry-After": str(max(1, math.ceil(exc.retry_after or 1)))}
        return ApiError("RATE_LIMIT_EXCEEDED", exc.message, details, wait)
    return ApiError("PROVIDER_ERROR", f"The model provider failed: {exc.message}", details, NO_RETRY)


def _charge_for(prep: Prepared, model: AIModel, usage: Usage, cached: bool) -> Decimal | None:
    """What the upstream reported as used is charged. With no report, what was delivered (counted
    locally, marked estimated) is charged too, since the provider bills for it, unless the system
    setting `charge_estimated_usage` is off; a call that delivered nothing, or a cache hit, costs 0."""
    if cached:
        return Decimal(0)
    if usage.estimated and not (usage.completion_tokens and prep.charge_estimates):
        return Decimal(0)
    return compute_cost(model=model, usage=usage)


def _output(out: GenerationOutcome) -> dict[str, Any]:
    """What the answer held beside its text: tool calls, a refusal, the other choices of n."""
    output: dict[str, Any] = {}
    if out.tool_calls:
        output["tool_calls"] = [call.as_openai() for call in out.tool_calls]
    if out.refusal:
        output["refusal"] = out.refusal
    if len(out.choices) > 1:
        output["choices"] = [
            {
                "index": c.index,
                "content": c.content,
                "finish_reason": c.finish_reason,
                "tool_calls": [call.as_openai() for call in c.tool_calls],
            }
            for c in out.choices[1:]
        ]
    return output


def _ledger_row(prep: Prepared, out: GenerationOutcome, upstream_id: str) -> dict[str, Any]:
    inp, usage, error = prep.inp, out.usage, out.error
    return {
        "id": out.generation_id,
        "conversation_id": inp.conversation_id,
        "turn": inp.turn,
        "user_id": inp.user.pk,
        "api_key_id": inp.api_key_id,
        "door": inp.door,
        "requested_model": prep.requested.slug,
        "model_id": out.model.pk,
        "model_slug": out.model.slug,
        "provider_id": out.model.provider_id,
        "upstream_id": upstream_id or "",
        "input_messages": prep.ledger_messages or inp.messages,
        "parameters": prep.params.as_dict(),
        "content": out.content,
        "output": _output(out),
        "finish_reason": out.finish_reason or "",
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "total_tokens": usage.total_tokens,
        "cached_tokens": usage.cached_tokens,
        "reasoning_tokens": usage.reasoning_tokens,
        "tokens_estimated": usage.estimated,
        "cost": out.cost,
        "ttft_ms": out.ttft_ms,
        "duration_ms": out.duration_ms,
        "status": out.status,
        "error_code": error.code if error else "",
        "error_message": error.message[:2000] if error else "",
        "ip": inp.ip,
        "user_agent": (inp.user_agent or "")[:300],
        "cache_hit": out.cached,
        "created_at": out.created_at,
    }


def _cache_entry(out: GenerationOutcome) -> dict[str, Any]:
    """The whole answer (a cacheable request asks for one choice, without logprobs): its text, tool
    calls and refusal, so that a hit answers exactly what the call did."""
    u = out.usage
    entry: dict[str, Any] = {
        "content": out.content,
        "finish_reason": out.finish_reason,
        "usage": [u.prompt_tokens, u.completion_tokens, u.total_tokens],
        "model_id": out.model.pk,
    }
    if out.tool_calls:
        entry["tool_calls"] = [call.as_openai() for call in out.tool_calls]
    if out.refusal:
        entry["refusal"] = out.refusal
    return entry


def cached_tool_calls(entry: dict[str, Any]) -> list[ToolCall]:
    """The tool calls of a response cache entry (OpenAI's shape, as _cache_entry stored them)."""
    return [
        ToolCall(call["id"], call["function"]["name"], call["function"]["arguments"], call.get("type", "function"))
        for call in entry.get("tool_calls") or ()
    ]


async def _record(prep: Prepared, out: GenerationOutcome, row: dict[str, Any]) -> None:
    charge = Charge(
        model_slug=out.model.slug,
        tokens=out.usage.total_tokens,
        cost_nano=to_nano(out.cost) if out.cost else 0,
        status=out.status,
        api_key_id=prep.inp.api_key_id,
    )
    ticket = prep.admission.ticket
    assert ticket is not None  # an admitted call always has one
    await admission.settle_async(
        ticket=ticket, charge=charge, limits=prep.limits, row=row, behind=prep.inp.record_behind
    )
    if out.status == GenerationStatus.SUCCESS and not out.cached and prep.cache_key is not None:
        await response_cache.store_answer_async(prep.cache_key, _cache_entry(out))


async def settle(
    prep: Prepared,
    *,
    model: AIModel,
    status: str,
    content: str = "",
    finish_reason: str | None = None,
    usage: Usage | None = None,
    ttft_ms: int | None = None,
    upstream_id: str = "",
    error: ApiError | None = None,
    cached: bool = False,
    cost_of: Callable[[AIModel], Decimal | None] | None = None,
    tool_calls: list[ToolCall] | None = None,
    logprobs: list[TokenLogprob] | None = None,
    refusal: str | None = None,
    choices: list[Choice] | None = None,
) -> GenerationOutcome:
    """Record the call and complete its admission; returns what the door renders. `cost_of` prices a
    successful call that is not priced by tokens (images: per image by size and quality)."""
    if usage is None:
        # Nothing reported: count what was delivered locally, marked as an estimate.
        prompt = estimate_prompt_tokens(prep.inp.messages)
        delivered = content + "".join(c.name + c.arguments for c in tool_calls or ())
        completion = estimate_tokens(delivered)
        usage = Usage(prompt, completion, prompt + completion, estimated=True)
    now = timezone.now()
    out = GenerationOutcome(
        generation_id=uuid.uuid4(),
        model=model,
        content=content,
        finish_reason=finish_reason,
        usage=usage,
        cost=cost_of(model) if cost_of is not None and not cached else _charge_for(prep, model, usage, cached),
        status=status,
        cached=cached,
        ttft_ms=ttft_ms,
        duration_ms=int((time.perf_counter() - prep.started) * 1000),
        created=int(now.timestamp()),
        created_at=now,
        error=error,
        tool_calls=tool_calls or [],
        logprobs=logprobs,
        refusal=refusal,
        choices=choices or [],
    )
    # Shielded: a client that disconnects must not stop the ledger write or the budget release.
    await asyncio.shield(_record(prep, out, _ledger_row(prep, out, upstream_id)))
    return out


async def settle_cached(prep: Prepared) -> GenerationOutcome:
    entry = prep.cached or {}
    prompt, completion, total = entry["usage"]
    return await settle(
        prep,
        model=prep.requested,
        content=entry["content"],
        finish_reason=entry["finish_reason"],
        usage=Usage(prompt, completion, total),
        status=GenerationStatus.SUCCESS,
        ttft_ms=0,
        cached=True,
        tool_calls=cached_tool_calls(entry),
        refusal=entry.get("refusal"),
    )
