"""The one fallback loop, and whole answers.

A model's answer is attempted on each model of its chain in turn (the model, then its fallbacks),
until one begins to answer: for a whole answer that is the answer itself, for a stream its first
content. A failure after that point is the caller's to settle; before it, a failure that another
upstream could avoid (down, timed out, rate limited, out of quota) moves on to the next model.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from catalog.models import AIModel
from playground.generation.params import GenerationInput
from playground.generation.prepare import Prepared, generation_prepare, provider_config
from playground.generation.settle import GenerationOutcome, provider_failure, settle, settle_cached, status_for
from providers.base import Adapter, ChatRequest, EmbeddingRequest, ImageRequest, ProviderError
from providers.registry import get_adapter
from usage.models import GenerationStatus

T = TypeVar("T")
ProviderRequest = ChatRequest | EmbeddingRequest | ImageRequest
# Failures that mean "this upstream cannot answer now": the next fallback is tried, before the first byte only.
FALLBACK_KINDS = frozenset({"unavailable", "timeout", "rate_limited", "quota_exhausted"})


async def first_answer(
    prep: Prepared,
    attempt: Callable[[Adapter, AIModel], Awaitable[T]],
    request_for: Callable[[AIModel], ProviderRequest] | None = None,
) -> tuple[AIModel, T]:
    """The first model of the chain for which `attempt` succeeds. Whatever ends the loop otherwise (a
    failure no fallback can help, or the caller going away) is settled here, then raised.

    `request_for` builds what a model of the chain would be sent (the chat request by default), so
    that a fallback whose provider cannot take it whole is skipped rather than sent a part of it."""
    request_for = request_for or prep.chat_request
    failure: ProviderError | None = None
    model = prep.chain[0]
    for index, model in enumerate(prep.chain):
        adapter = get_adapter(await provider_config(prep, model))
        if index and adapter.unsupported_fields(request_for(model)):
            continue  # a fallback whose provider cannot take the whole request is no fallback
        began = time.perf_counter()
        try:
            return model, await attempt(adapter, model)
        except ProviderError as exc:
            failure = exc
            if exc.kind not in FALLBACK_KINDS or index + 1 == len(prep.chain):
                break
        except asyncio.CancelledError:
            await settle(prep, model=model, status=GenerationStatus.CANCELLED)
            raise
        finally:
            prep.upstream_seconds += time.perf_counter() - began
    assert failure is not None
    error = provider_failure(failure, prep.inp.request_id)
    await settle(prep, model=model, status=status_for(failure), error=error)
    raise error


async def generation_run(inp: GenerationInput, prepared: Prepared | None = None) -> tuple[GenerationOutcome, Prepared]:
    """One whole answer. Refusals raise ApiError; provider failures are recorded, then raised."""
    prep = prepared or await generation_prepare(inp)
    if prep.cached:
        return await settle_cached(prep), prep
    model, result = await first_answer(prep, lambda adapter, model: adapter.chat(prep.chat_request(model)))
    out = await settle(
        prep,
        model=model,
        content=result.content,
        finish_reason=result.finish_reason,
        usage=result.usage,
        status=GenerationStatus.SUCCESS,
        upstream_id=result.upstream_id or "",
        tool_calls=result.tool_calls,
        logprobs=result.logprobs,
        refusal=result.refusal,
        choices=result.choices,
    )
    return out, prep
