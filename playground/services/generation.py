"""THE generation path: resolve → validate → admit → call (with fallbacks) → settle.

Every door (REST, SSE, OpenAI-compatible, playground pages) calls `generation_run` or
`generation_stream`; none re-implements admission, metering or recording.

With warm process memos (config.memo) a call runs on the event loop from start to end: the
preparation reads memory, admission and settlement are one Redis script each, and the one database
write (the Generation row) is made before the response or, for the API doors, behind it
(usage.ledger). Cold memos cost one thread hop, where loading is allowed.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from asgiref.sync import sync_to_async
from django.utils import timezone

from catalog.models import AIModel
from catalog.pricing import compute_cost
from catalog.selectors import model_chain
from catalog.services import provider_config_for
from config import store
from config.memo import from_memory_or_thread
from playground.services import admission as adm
from playground.services import response_cache
from playground.services.errors import GenerationError
from playground.services.params import (
    GenerationInput,
    Params,
    refuse_unusable,
    validate_messages,
    validate_params,
)
from providers.base import ChatRequest, ProviderConfig, ProviderError, StreamDelta, StreamEnd, Usage
from providers.registry import get_adapter
from providers.tokens import estimate_prompt_tokens as estimate_messages
from providers.tokens import estimate_tokens
from usage import counters, events, ledger
from usage import limits as limiter
from usage.ledger import writer
from usage.models import GenerationStatus

logger = logging.getLogger(__name__)

# Failures that mean "this upstream cannot answer now": the next fallback is tried, before the first byte only.
FALLBACK_KINDS = frozenset({"unavailable", "timeout", "rate_limited", "quota_exhausted"})


@dataclass
class Prepared:
    """A request that passed validation and admission; settlement must follow, whatever happens."""

    inp: GenerationInput
    params: Params
    requested: AIModel
    chain: list[AIModel]
    configs: dict[int, ProviderConfig]
    admission: limiter.Admission
    limits: limiter.Limits
    cache_key: str | None = None
    cached: dict[str, Any] | None = None
    started: float = field(default_factory=time.perf_counter)
    upstream_seconds: float = 0.0

    def chat_request(self, model: AIModel, stream: bool) -> ChatRequest:
        p = self.params
        return ChatRequest(
            model=model.upstream_id,
            messages=self.inp.messages,
            max_tokens=p.max_tokens,
            temperature=p.temperature,
            top_p=p.top_p,
            stop=p.stop,
            presence_penalty=p.presence_penalty,
            frequency_penalty=p.frequency_penalty,
            seed=p.seed,
            extra=dict(p.extra),
        )

    def overhead_ms(self) -> float:
        return max(0.0, (time.perf_counter() - self.started - self.upstream_seconds) * 1000)


@dataclass
class Outcome:
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
    error: GenerationError | None = None


# --- prepare -------------------------------------------------------------------------------------


@dataclass
class _Plan:
    """Everything decided before admission, from process memory when it is warm."""

    chain: list[AIModel]
    messages: list[dict[str, Any]]
    params: Params
    cache_key: str | None
    limits: limiter.Limits
    reserve_nano: int
    configs: dict[int, ProviderConfig]


def _plan(inp: GenerationInput) -> _Plan:
    chain = model_chain(inp.model)
    model = refuse_unusable(chain[0] if chain else None, inp.model)
    messages = validate_messages(inp.messages)
    params = validate_params(inp, model)
    cache_key = None
    if inp.cache or params.deterministic:
        cache_key = response_cache.key_for(
            user_id=inp.user.pk, model_slug=model.slug, messages=messages, params=params.as_dict()
        )
    return _Plan(
        chain=chain,
        messages=messages,
        params=params,
        cache_key=cache_key,
        limits=adm.limits_for(inp.user),
        reserve_nano=adm.reservation(chain, estimate_messages(messages), params.max_tokens),
        configs={model.pk: provider_config_for(provider=model.provider, user=inp.user)},
    )


async def generation_prepare(inp: GenerationInput) -> Prepared:
    """Validate and admit; raises GenerationError (with rate headers when refused by a limit).

    With warm process memos this runs on the event loop with two Redis round trips at most (the
    response cache when the request is deterministic, then admission) and no database access."""
    started = time.perf_counter()
    plan = await from_memory_or_thread(_plan, inp)
    inp.messages = plan.messages
    cached = await response_cache.lookup_async(plan.cache_key) if plan.cache_key else None
    admission = await limiter.admit_async(
        user_id=inp.user.pk, limits=plan.limits, reserve_nano=0 if cached else plan.reserve_nano
    )
    if not admission.allowed:
        raise adm.refusal(admission).with_admission(admission)
    model = plan.chain[0]
    configs = {} if cached else plan.configs
    return Prepared(
        inp, plan.params, model, plan.chain, configs, admission, plan.limits, plan.cache_key, cached, started
    )


async def _config(prep: Prepared, model: AIModel) -> ProviderConfig:
    if model.pk not in prep.configs:
        prep.configs[model.pk] = await from_memory_or_thread(
            provider_config_for, provider=model.provider, user=prep.inp.user
        )
    return prep.configs[model.pk]


# --- settle --------------------------------------------------------------------------------------


def _status_for(exc: ProviderError) -> str:
    return GenerationStatus.TIMEOUT if exc.kind == "timeout" else GenerationStatus.ERROR


def provider_failure(exc: ProviderError) -> GenerationError:
    if exc.kind in ("bad_request", "content_filter"):
        return GenerationError("VALIDATION_ERROR", f"The provider refused the request: {exc.message}")
    return GenerationError(
        "PROVIDER_ERROR",
        f"The model provider failed: {exc.message}",
        details={"kind": exc.kind, "provider": exc.provider},
        upstream_timeout=exc.kind == "timeout",
    )


def _charge_for(model: AIModel, usage: Usage | None, cached: bool) -> Decimal | None:
    """Only what the upstream reported as used is charged; a cache hit or a call with no usage costs 0."""
    if cached or usage is None or usage.estimated:
        return Decimal(0)
    return compute_cost(model=model, usage=usage)


def _warnings(prep: Prepared, spent_after: int, cost_nano: int) -> list[dict[str, Any]]:
    """The quota.warning payloads this call crossed into (80% and 100% of a quota or the budget)."""
    limits, found = prep.limits, []
    for name in ("daily", "weekly", "monthly"):
        used, limit = prep.admission.used.get(name, 0), getattr(limits, name)
        for percent in events.crossed(used - 1, used, limit) if limit > 0 else []:
            found.append({"quota_type": name, "used": used, "limit": limit, "percentage": percent})
    if limits.budget_nano > 0 and cost_nano:
        for percent in events.crossed(spent_after - cost_nano, spent_after, limits.budget_nano):
            found.append(
                {
                    "quota_type": "monthly_budget",
                    "used": str(limiter.from_nano(spent_after)),
                    "limit": str(limiter.from_nano(limits.budget_nano)),
                    "percentage": percent,
                }
            )
    return found


def _emit_warnings(user_id: int, payloads: list[dict[str, Any]]) -> None:
    for payload in payloads:
        events.emit(events.QUOTA_WARNING, user_id=user_id, payload=payload)


def _ledger_row(prep: Prepared, out: Outcome, upstream_id: str, error_code: str, error_message: str) -> dict[str, Any]:
    inp, usage = prep.inp, out.usage
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
        "error_code": error_code,
        "error_message": error_message[:2000],
        "ip": inp.ip,
        "user_agent": (inp.user_agent or "")[:300],
        "cache_hit": out.cached,
        "created_at": out.created_at,
    }


def _charge(prep: Prepared, out: Outcome) -> counters.Charge:
    return counters.Charge(
        model_slug=out.model.slug,
        tokens=out.usage.total_tokens,
        cost_nano=limiter.to_nano(out.cost) if out.cost else 0,
        status=out.status,
        api_key_id=prep.inp.api_key_id,
    )


def _cacheable(prep: Prepared, out: Outcome) -> bool:
    return out.status == GenerationStatus.SUCCESS and not out.cached and prep.cache_key is not None


def _record_now(prep: Prepared, out: Outcome, row: dict[str, Any]) -> None:
    """The one write, in the request: counters settle first so a slow database never holds a budget."""
    charge = _charge(prep, out)
    spent_after = counters.settle(ticket=prep.admission.ticket, charge=charge)
    ledger.record(row)
    if _cacheable(prep, out):
        response_cache.store_answer(prep.cache_key, _cache_entry(out))  # type: ignore[arg-type]
    _emit_warnings(prep.inp.user.pk, _warnings(prep, spent_after, charge.cost_nano))


async def _record_behind(prep: Prepared, out: Outcome, row: dict[str, Any]) -> None:
    """Counters and the queued row in one Redis step; the row reaches PostgreSQL in a batch."""
    charge = _charge(prep, out)
    spent_after, queued = await counters.settle_async(
        ticket=prep.admission.ticket,  # type: ignore[arg-type]
        charge=charge,
        ledger_row=writer.encode(row),
    )
    if queued > writer.BACKLOG_ROWS:
        writer.help_with_backlog()  # the worker's writer is down or behind; this process helps
    if _cacheable(prep, out):
        await response_cache.store_answer_async(prep.cache_key, _cache_entry(out))  # type: ignore[arg-type]
    if warnings := _warnings(prep, spent_after, charge.cost_nano):  # rare: at 80% and 100%
        await sync_to_async(_emit_warnings)(prep.inp.user.pk, warnings)


def _cache_entry(out: Outcome) -> dict[str, Any]:
    u = out.usage
    return {
        "content": out.content,
        "finish_reason": out.finish_reason,
        "usage": [u.prompt_tokens, u.completion_tokens, u.total_tokens],
        "model_id": out.model.pk,
    }


async def _settle(
    prep: Prepared,
    *,
    model: AIModel,
    content: str,
    finish_reason: str | None,
    usage: Usage | None,
    status: str,
    ttft_ms: int | None = None,
    upstream_id: str = "",
    error: GenerationError | None = None,
    cached: bool = False,
) -> Outcome:
    duration_ms = int((time.perf_counter() - prep.started) * 1000)
    if usage is None:
        # Nothing reported: keep an estimate for the record, marked so, and charge nothing.
        prompt = estimate_messages(prep.inp.messages)
        completion = estimate_tokens(content)
        usage = Usage(prompt, completion, prompt + completion, estimated=True)
    now = timezone.now()
    out = Outcome(
        generation_id=uuid.uuid4(),
        model=model,
        content=content,
        finish_reason=finish_reason,
        usage=usage,
        cost=_charge_for(model, usage, cached),
        status=status,
        cached=cached,
        ttft_ms=ttft_ms,
        duration_ms=duration_ms,
        created=int(now.timestamp()),
        created_at=now,
        error=error,
    )
    row = _ledger_row(prep, out, upstream_id, error.code if error else "", error.message if error else "")
    # Shielded: a client that disconnects must not stop the ledger write or the budget release.
    if prep.inp.record_behind and store.uses_redis():
        await asyncio.shield(_record_behind(prep, out, row))
    else:
        await asyncio.shield(sync_to_async(_record_now)(prep, out, row))
    return out


async def _settle_cached(prep: Prepared) -> Outcome:
    entry = prep.cached or {}
    prompt, completion, total = entry["usage"]
    return await _settle(
        prep,
        model=prep.requested,
        content=entry["content"],
        finish_reason=entry["finish_reason"],
        usage=Usage(prompt, completion, total),
        status=GenerationStatus.SUCCESS,
        ttft_ms=0,
        cached=True,
    )


# --- whole answers -------------------------------------------------------------------------------


async def generation_run(inp: GenerationInput, prepared: Prepared | None = None) -> tuple[Outcome, Prepared]:
    """One whole answer. Refusals raise GenerationError; provider failures are recorded, then raised."""
    prep = prepared or await generation_prepare(inp)
    if prep.cached:
        return await _settle_cached(prep), prep
    last_error: ProviderError | None = None
    model = prep.chain[0]
    for index, model in enumerate(prep.chain):
        adapter = get_adapter(await _config(prep, model))
        began = time.perf_counter()
        try:
            result = await adapter.chat(prep.chat_request(model, stream=False))
        except ProviderError as exc:
            prep.upstream_seconds += time.perf_counter() - began
            last_error = exc
            if exc.kind in FALLBACK_KINDS and index + 1 < len(prep.chain):
                continue
            break
        except asyncio.CancelledError:
            prep.upstream_seconds += time.perf_counter() - began
            await _settle(
                prep, model=model, content="", finish_reason=None, usage=None, status=GenerationStatus.CANCELLED
            )
            raise
        prep.upstream_seconds += time.perf_counter() - began
        out = await _settle(
            prep,
            model=model,
            content=result.content,
            finish_reason=result.finish_reason,
            usage=result.usage,
            status=GenerationStatus.SUCCESS,
            upstream_id=result.upstream_id or "",
        )
        return out, prep
    assert last_error is not None
    failure = provider_failure(last_error)
    await _settle(
        prep, model=model, content="", finish_reason=None, usage=None, status=_status_for(last_error), error=failure
    )
    raise failure


# --- streams -------------------------------------------------------------------------------------


@dataclass
class GenerationStream:
    """An admitted, connected stream. Iterate `deltas()`; `outcome` is set once it has been settled."""

    prep: Prepared
    model: AIModel
    first: list[Any]
    upstream: AsyncIterator[Any] | None
    upstream_id: str = ""
    outcome: Outcome | None = None
    ttft_ms: int | None = None

    async def deltas(self) -> AsyncIterator[str]:
        """Content deltas. Ends normally, raises GenerationError after a mid-stream failure (recorded),
        and records a cancelled generation when the consumer goes away."""
        if self.prep.cached:
            self.outcome = await _settle_cached(self.prep)
            yield self.outcome.content
            return
        parts: list[str] = []
        end: StreamEnd | None = None
        failure: ProviderError | None = None
        status = GenerationStatus.SUCCESS
        began = time.perf_counter()
        try:
            for item in self.first:
                if isinstance(item, StreamDelta):
                    parts.append(item.content)
                    yield item.content
                elif isinstance(item, StreamEnd):
                    end = item
            if end is None and self.upstream is not None:
                began = time.perf_counter()
                async for item in self.upstream:
                    self.prep.upstream_seconds += time.perf_counter() - began
                    if isinstance(item, StreamEnd):
                        end = item
                        break
                    parts.append(item.content)
                    yield item.content
                    began = time.perf_counter()
        except ProviderError as exc:
            self.prep.upstream_seconds += time.perf_counter() - began
            failure, status = exc, _status_for(exc)
        except (asyncio.CancelledError, GeneratorExit):
            status = GenerationStatus.CANCELLED
            raise
        finally:
            await self._close_upstream()
            error = provider_failure(failure) if failure else None
            self.outcome = await _settle(
                self.prep,
                model=self.model,
                content="".join(parts),
                finish_reason=end.finish_reason if end else None,
                usage=end.usage if end else None,
                status=status,
                ttft_ms=self.ttft_ms,
                upstream_id=(end.upstream_id if end else None) or self.upstream_id,
                error=error,
            )
        if failure is not None:
            raise provider_failure(failure)

    async def _close_upstream(self) -> None:
        upstream, self.upstream = self.upstream, None
        if upstream is not None and hasattr(upstream, "aclose"):
            try:
                await asyncio.shield(upstream.aclose())  # closes the upstream HTTP connection
            except Exception:
                logger.debug("upstream close failed", exc_info=True)


async def _connect(prep: Prepared, model: AIModel) -> tuple[AsyncIterator[Any], list[Any], int]:
    """Open the upstream stream and read until the first content (or its end): errors before this
    point are still eligible for a fallback."""
    adapter = get_adapter(await _config(prep, model))
    upstream = adapter.stream_chat(prep.chat_request(model, stream=True))
    first: list[Any] = []
    began = time.perf_counter()
    try:
        async for item in upstream:
            first.append(item)
            if (isinstance(item, StreamDelta) and item.content) or isinstance(item, StreamEnd):
                break
    except BaseException:
        prep.upstream_seconds += time.perf_counter() - began
        await upstream.aclose()
        raise
    prep.upstream_seconds += time.perf_counter() - began
    ttft = int((time.perf_counter() - prep.started) * 1000)
    return upstream, first, ttft


async def generation_stream(inp: GenerationInput, prepared: Prepared | None = None) -> GenerationStream:
    """Admit and connect; returns once the first content has arrived (fallbacks apply until then).

    Raises GenerationError for refusals and for failures before the first byte (then recorded)."""
    prep = prepared or await generation_prepare(inp)
    if prep.cached:
        return GenerationStream(prep=prep, model=prep.requested, first=[], upstream=None, ttft_ms=0)
    last_error: ProviderError | None = None
    model = prep.chain[0]
    for index, model in enumerate(prep.chain):
        try:
            upstream, first, ttft = await _connect(prep, model)
        except ProviderError as exc:
            last_error = exc
            if exc.kind in FALLBACK_KINDS and index + 1 < len(prep.chain):
                continue
            break
        except asyncio.CancelledError:
            await _settle(
                prep, model=model, content="", finish_reason=None, usage=None, status=GenerationStatus.CANCELLED
            )
            raise
        return GenerationStream(prep=prep, model=model, first=first, upstream=upstream, ttft_ms=ttft)
    assert last_error is not None
    failure = provider_failure(last_error)
    await _settle(
        prep, model=model, content="", finish_reason=None, usage=None, status=_status_for(last_error), error=failure
    )
    raise failure
