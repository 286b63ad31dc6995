"""Before any upstream call: resolve the model and its fallbacks, validate, look in the response
cache, admit (usage.admission). With warm process memos (config.memo) all of it runs on the event
loop: the plan reads memory, the cache and admission are one Redis round trip each."""

import time
from dataclasses import dataclass, field
from typing import Any

from catalog.models import AIModel, ModelKind
from catalog.selectors import model_chain
from catalog.services import provider_config_for
from config.memo import from_memory_or_thread
from playground.generation import response_cache
from playground.generation.params import GenerationInput, Params, refuse_unusable, validate_messages, validate_params
from playground.generation.params import invalid as invalid_field
from providers.base import ChatRequest, ProviderConfig
from providers.tokens import estimate_prompt_tokens
from usage import admission
from usage.limits import Admission, Limits
from usage.settings_store import default_model

# Where a model that does not chat is called instead (a chat door refuses it by name, before admission).
OTHER_DOORS = {
    ModelKind.EMBEDDING: "call it at /v1/embeddings or /api/v1/ai/embeddings",
    ModelKind.IMAGE: "call it at /v1/images/generations or /api/v1/ai/images",
    ModelKind.VIDEO: "submit video jobs to /api/v1/ai/video",
}


@dataclass
class Prepared:
    """A request that passed validation and admission; settlement must follow, whatever happens."""

    inp: GenerationInput
    params: Params
    requested: AIModel
    chain: list[AIModel]
    configs: dict[int, ProviderConfig]
    admission: Admission
    limits: Limits
    cache_key: str | None = None
    cached: dict[str, Any] | None = None
    started: float = field(default_factory=time.perf_counter)
    upstream_seconds: float = 0.0

    def chat_request(self, model: AIModel) -> ChatRequest:
        return ChatRequest(model=model.upstream_id, messages=self.inp.messages, **self.params.request_fields())

    def overhead_ms(self) -> float:
        return max(0.0, (time.perf_counter() - self.started - self.upstream_seconds) * 1000)


@dataclass
class _Plan:
    """Everything decided before admission, from process memory when it is warm."""

    chain: list[AIModel]
    messages: list[dict[str, Any]]
    params: Params
    cache_key: str | None
    limits: Limits
    reserve_nano: int
    configs: dict[int, ProviderConfig]


def _plan(inp: GenerationInput) -> _Plan:
    slug = inp.model or default_model(inp.user)
    chain = model_chain(slug)
    model = refuse_unusable(chain[0] if chain else None, slug)
    if model.kind != ModelKind.CHAT:
        raise invalid_field("model", f"The model '{model.slug}' is not a chat model: {OTHER_DOORS[model.kind]}.")
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
        limits=admission.limits_for(inp.user),
        reserve_nano=admission.reservation(chain, estimate_prompt_tokens(messages), params.max_tokens),
        configs={model.pk: provider_config_for(provider=model.provider, user=inp.user)},
    )


async def generation_prepare(inp: GenerationInput) -> Prepared:
    """Validate and admit; raises ApiError (a refusal by a limit carries the rate headers)."""
    started = time.perf_counter()
    plan = await from_memory_or_thread(_plan, inp)
    inp.messages = plan.messages
    cached = await response_cache.lookup_async(plan.cache_key) if plan.cache_key else None
    admitted = await admission.admit_async(
        user=inp.user, limits=plan.limits, reserve_nano=0 if cached else plan.reserve_nano
    )
    configs = {} if cached else plan.configs
    return Prepared(
        inp, plan.params, plan.chain[0], plan.chain, configs, admitted, plan.limits, plan.cache_key, cached, started
    )


async def provider_config(prep: Prepared, model: AIModel) -> ProviderConfig:
    """The upstream settings for one model of the chain (looked up when a fallback is first needed)."""
    if model.pk not in prep.configs:
        prep.configs[model.pk] = await from_memory_or_thread(
            provider_config_for, provider=model.provider, user=prep.inp.user
        )
    return prep.configs[model.pk]
