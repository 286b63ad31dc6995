"""Before any upstream call: resolve the model and its fallbacks, validate, look in the response
cache, admit (usage.admission). With warm process memos (config.memo) all of it runs on the event
loop: the plan reads memory, the cache and admission are one Redis round trip each."""

import time
from dataclasses import dataclass, field
from typing import Any

from catalog.models import AIModel, ModelKind
from catalog.selectors import model_chain
from catalog.services import provider_config_for
from config.api.exceptions import ApiError
from config.memo import from_memory_or_thread
from playground import media
from playground.generation import response_cache
from playground.generation.params import (
    GenerationInput,
    Params,
    refuse_missing,
    refuse_unusable,
    required_capabilities,
    validate_messages,
    validate_params,
)
from playground.generation.params import invalid as invalid_field
from providers.base import ChatRequest, ProviderConfig
from providers.registry import get_adapter
from usage import admission
from usage.limits import Admission, Limits, OutputHold
from usage.settings_store import charge_estimated_usage, default_model

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
    # n > 1 for a model that answers one choice a call: this call is choice 0 of `split_n`, and
    # the door prepares the others (playground.generation.answer.generation_choices).
    split_n: int = 1
    charge_estimates: bool = True  # usage.settings_store.charge_estimated_usage, read with the plan
    ledger_messages: list[Any] | None = None  # the messages with data: images stored (playground.media)

    def chat_request(self, model: AIModel) -> ChatRequest:
        return chat_request(model, self.inp, self.params)

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
    output: OutputHold | None
    configs: dict[int, ProviderConfig]
    split_n: int = 1
    charge_estimates: bool = True
    ledger_messages: list[Any] | None = None


def chat_request(model: AIModel, inp: GenerationInput, params: Params) -> ChatRequest:
    """What the adapter of `model` is sent: the whole request, the upstream's model id."""
    return ChatRequest(model=model.upstream_id, messages=inp.messages, extra=inp.extra, **params.request_fields())


def _one_call_for_n(model: AIModel, config: ProviderConfig) -> bool:
    return bool(model.supports_n) and "n" in get_adapter(config).supported_fields


def refuse_unsupported(model: AIModel, config: ProviderConfig, inp: GenerationInput, params: Params) -> None:
    """A 400 naming the fields (or message parts) the model's provider cannot honour, and the model."""
    if names := get_adapter(config).unsupported_fields(chat_request(model, inp, params)):
        raise ApiError(
            "VALIDATION_ERROR",
            f"The model '{model.slug}' does not support: {', '.join(names)}.",
            details={name: [f"Not supported by '{model.slug}'."] for name in names} | {"model": model.slug},
            param=names[0],
        )


def _capable_chain(chain: list[AIModel], needed: set[str]) -> list[AIModel]:
    """The model, and those of its fallbacks that have every capability the request needs."""
    if missing := chain[0].lacks(needed):
        raise refuse_missing(chain[0], missing)
    return [chain[0], *(m for m in chain[1:] if not m.lacks(needed))]


def _plan(inp: GenerationInput) -> _Plan:
    slug = inp.model or default_model(inp.user)
    chain = model_chain(slug)
    model = refuse_unusable(chain[0] if chain else None, slug)
    if model.kind != ModelKind.CHAT:
        raise invalid_field("model", f"The model '{model.slug}' is not a chat model: {OTHER_DOORS[model.kind]}.")
    messages = validate_messages(inp.messages)
    params = validate_params(inp, model)
    config = provider_config_for(provider=model.provider, user=inp.user)
    needed = required_capabilities(messages, params)
    split_n = 1
    if params.n > 1:
        if _one_call_for_n(model, config):
            needed.add("n")
        else:
            split_n, params = params.n, params.one_choice()
    chain = _capable_chain(chain, needed)
    inp.messages = messages
    refuse_unsupported(model, config, inp, params)
    cache_key = None
    # Tool definitions and a response schema are billed as prompt tokens too; n choices, n outputs.
    billed = [*messages, *(value for name in ("tools", "response_format") if (value := params.options.get(name)))]
    reserve_nano, output = admission.chat_hold(chain, billed, params.max_tokens * params.n)
    if (inp.cache or params.deterministic) and params.n == 1 and not params.options.get("logprobs"):
        cache_key = response_cache.key_for(
            user_id=inp.user.pk, model_slug=model.slug, messages=messages, params=params.as_dict(), extra=inp.extra
        )
    return _Plan(
        chain=chain,
        messages=messages,
        params=params,
        cache_key=cache_key,
        limits=admission.limits_for(inp.user),
        reserve_nano=reserve_nano,
        output=output,
        configs={model.pk: config},
        split_n=split_n,
        charge_estimates=charge_estimated_usage(),
        ledger_messages=_stored_images(inp),
    )


def _stored_images(inp: GenerationInput) -> list[Any] | None:
    """The messages for the ledger, when they carry data: images (stored now, before admission)."""
    kept = media.ledger_messages(inp.messages, inp.user)
    return None if kept is inp.messages else kept


async def generation_prepare(inp: GenerationInput) -> Prepared:
    """Validate and admit; raises ApiError (a refusal by a limit carries the rate headers)."""
    started = time.perf_counter()
    plan = await from_memory_or_thread(_plan, inp)
    inp.messages = plan.messages
    cached = await response_cache.lookup_async(plan.cache_key) if plan.cache_key else None
    admitted = await admission.admit_async(
        user=inp.user,
        limits=plan.limits,
        reserve_nano=0 if cached else plan.reserve_nano,
        output=None if cached else plan.output,
    )
    params, cache_key = plan.params, plan.cache_key
    if admitted.max_tokens is not None and admitted.max_tokens < params.max_tokens * params.n:
        # What is left of the budget affords fewer output tokens: the answer is shorter, not refused,
        # and a shortened answer is not one to cache. n choices in one call share what is left.
        afforded = max(1, admitted.max_tokens // params.n)
        params, cache_key = Params({**params.values, "max_tokens": afforded}, params.options), None
    configs = {} if cached else plan.configs
    return Prepared(
        inp, params, plan.chain[0], plan.chain, configs, admitted, plan.limits, cache_key, cached, started,
        split_n=plan.split_n, charge_estimates=plan.charge_estimates, ledger_messages=plan.ledger_messages,
    )  # fmt: skip


async def provider_config(prep: Prepared, model: AIModel) -> ProviderConfig:
    """The upstream settings for one model of the chain (looked up when a fallback is first needed)."""
    if model.pk not in prep.configs:
        prep.configs[model.pk] = await from_memory_or_thread(
            provider_config_for, provider=model.provider, user=prep.inp.user
        )
    return prep.configs[model.pk]
