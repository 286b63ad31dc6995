"""After the call: what it cost, its ledger row, the counters, the response cache. Every answer is
settled exactly once, whether it succeeded, failed, was cancelled or came from the cache."""

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from catalog.models import AIModel
from catalog.pricing import compute_cost
from config.api.exceptions import ApiError
from playground.generation import response_cache
from playground.generation.prepare import Prepared
from providers.base import ProviderError, Usage
from providers.errors import BLOCKED_ADDRESS
from providers.tokens import estimate_prompt_tokens, estimate_tokens
from usage import admission
from usage.counters import Charge
from usage.limits import to_nano
from usage.models import GenerationStatus


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


def status_for(exc: ProviderError) -> str:
    return GenerationStatus.TIMEOUT if exc.kind == "timeout" else GenerationStatus.ERROR


def provider_failure(exc: ProviderError) -> ApiError:
    if exc.code == BLOCKED_ADDRESS:  # the gateway's configuration, not the caller's request
        return ApiError("PROVIDER_ERROR", exc.message, {"kind": BLOCKED_ADDRESS, "provider": exc.provider})
    if exc.kind in ("bad_request", "content_filter"):
        return ApiError("VALIDATION_ERROR", f"The provider refused the request: {exc.message}")
    return ApiError(
        "PROVIDER_ERROR", f"The model provider failed: {exc.message}", {"kind": exc.kind, "provider": exc.provider}
    )


def _charge_for(model: AIModel, usage: Usage, cached: bool) -> Decimal | None:
    """Only what the upstream reported as used is charged; a cache hit or a call with no usage costs 0."""
    if cached or usage.estimated:
        return Decimal(0)
    return compute_cost(model=model, usage=usage)


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
        "input_messages": inp.messages,
        "parameters": prep.params.as_dict(),
        "content": out.content,
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
    u = out.usage
    return {
        "content": out.content,
        "finish_reason": out.finish_reason,
        "usage": [u.prompt_tokens, u.completion_tokens, u.total_tokens],
        "model_id": out.model.pk,
    }


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
) -> GenerationOutcome:
    """Record the call and complete its admission; returns what the door renders. `cost_of` prices a
    successful call that is not priced by tokens (images: per image by size and quality)."""
    if usage is None:
        # Nothing reported: keep an estimate for the record, marked so, and charge nothing.
        prompt = estimate_prompt_tokens(prep.inp.messages)
        completion = estimate_tokens(content)
        usage = Usage(prompt, completion, prompt + completion, estimated=True)
    now = timezone.now()
    out = GenerationOutcome(
        generation_id=uuid.uuid4(),
        model=model,
        content=content,
        finish_reason=finish_reason,
        usage=usage,
        cost=cost_of(model) if cost_of is not None and not cached else _charge_for(model, usage, cached),
        status=status,
        cached=cached,
        ttft_ms=ttft_ms,
        duration_ms=int((time.perf_counter() - prep.started) * 1000),
        created=int(now.timestamp()),
        created_at=now,
        error=error,
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
    )
