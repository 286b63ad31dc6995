"""Embeddings and images on the one path: resolve a model of the right kind (and its fallbacks of that
kind), validate, admit with a reservation of the most the call can cost, call (the one fallback loop,
playground.generation.answer), settle: the ledger row, the counters, the cache.

The ledger row of an embeddings call holds its door, model, input tokens and cost, never the texts or
the vectors; that of an image call holds the prompt (so moderation rules see it), the parameters and
the number of images. A failed call is recorded and charged nothing, like a chat answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from asgiref.sync import sync_to_async

from catalog.models import AIModel, ModelKind
from catalog.pricing import QUANTUM, embedding_cost, image_cost, image_max_cost
from catalog.selectors import model_chain
from catalog.services import provider_config_for
from config import store
from config.api.exceptions import ApiError
from config.memo import from_memory_or_thread
from playground import image_store
from playground.generation import response_cache
from playground.generation.answer import first_answer
from playground.generation.inputs import Origin
from playground.generation.params import GenerationInput, Params, invalid, refuse_unusable
from playground.generation.prepare import Prepared
from playground.generation.settle import GenerationOutcome, settle
from providers.base import EmbeddingRequest, EmbeddingResult, ImageRequest, ImageResult, ProviderConfig, Usage
from providers.media import floats_from_base64, floats_to_base64
from providers.registry import unsupported_fields
from usage import admission
from usage.limits import Limits, to_nano
from usage.models import GenerationStatus

logger = logging.getLogger(__name__)

MAX_INPUTS = 2048  # texts (or token arrays) in one embeddings call, as OpenAI allows
MAX_INPUT_CHARS = 200_000  # one text; providers cap far lower in tokens, this only bounds our work
ENCODINGS = ("float", "base64")
MAX_IMAGE_PROMPT = 32_000
MAX_IMAGES = 10
IMAGE_RESPONSE_FORMATS = ("url", "b64_json")
CACHEABLE_FLOATS = 250_000  # larger answers are not kept in the cache (about 1 MB as base64)


@dataclass
class EmbeddingOutcome:
    outcome: GenerationOutcome
    vectors: list[list[float]]

    @property
    def dimensions(self) -> int:
        return len(self.vectors[0]) if self.vectors else 0


@dataclass
class ImageOutcome:
    outcome: GenerationOutcome
    images: list[Any]  # playground.models.GeneratedImage, in the order drawn
    data: list[bytes]  # the same pictures' bytes, for b64_json answers


@dataclass
class _MediaPlan:
    chain: list[AIModel]
    limits: Limits
    reserve_nano: int
    config: ProviderConfig
    parameters: dict[str, Any]
    cache_key: str | None = None


# --- shared ----------------------------------------------------------------------------------------


def _chain_of(slug: str, kind: str) -> list[AIModel]:
    if not isinstance(slug, str) or not slug:
        raise ApiError(
            "VALIDATION_ERROR", "you must provide a model parameter", {"model": ["Required."]}, param="model"
        )
    chain = model_chain(slug)
    model = refuse_unusable(chain[0] if chain else None, slug)
    if model.kind != kind:
        what = "an embedding" if kind == ModelKind.EMBEDDING else "an image generation"
        raise invalid("model", f"The model '{model.slug}' is not {what} model (it is a {model.kind} model).")
    return [m for m in chain if m.kind == kind]


def _refuse_unsupported(config: ProviderConfig, model: AIModel, req: EmbeddingRequest | ImageRequest) -> None:
    """Fields the model's adapter cannot honour, refused by name before anything is counted."""
    if names := unsupported_fields(config, replace(req, model=model.upstream_id)):
        message = f"The model '{model.slug}' does not support: {', '.join(names)}."
        raise ApiError("VALIDATION_ERROR", message, {name: ["Not supported by this model."] for name in names},
                       param=names[0])  # fmt: skip


async def _admitted(origin: Origin, plan: _MediaPlan, messages: list[dict[str, Any]], *, cached: Any,
                    behind: bool, started: float) -> Prepared:  # fmt: skip
    reserve = 0 if cached else plan.reserve_nano
    admitted = await admission.admit_async(user=origin.user, limits=plan.limits, reserve_nano=reserve)
    inp = GenerationInput(model=plan.chain[0].slug, messages=messages, record_behind=behind, **origin.fields())
    configs = {plan.chain[0].pk: plan.config}
    return Prepared(
        inp=inp, params=Params(plan.parameters), requested=plan.chain[0], chain=plan.chain, configs=configs,
        admission=admitted, limits=plan.limits, cache_key=None, cached=cached, started=started,
    )  # fmt: skip


# --- embeddings ------------------------------------------------------------------------------------


def _embedding_inputs(req: EmbeddingRequest) -> None:
    inputs = req.inputs
    if not isinstance(inputs, list) or not inputs:
        raise invalid("input", "input must be a non-empty string, array of strings, or array of token arrays.")
    if len(inputs) > MAX_INPUTS:
        raise invalid("input", f"input may hold at most {MAX_INPUTS} items.", max=MAX_INPUTS)
    if all(isinstance(x, str) for x in inputs):
        if any(not x or len(x) > MAX_INPUT_CHARS for x in inputs):
            raise invalid("input", f"Each input must be a non-empty string of at most {MAX_INPUT_CHARS} characters.")
        return
    for item in inputs:
        ok = isinstance(item, list) and item and all(isinstance(t, int) and not isinstance(t, bool) for t in item)
        if not ok or min(item) < 0:
            raise invalid("input", "input must be strings or arrays of non-negative token ids, not a mixture.")


def _embedding_options(req: EmbeddingRequest, model: AIModel) -> None:
    if req.encoding_format not in (None, *ENCODINGS):
        raise invalid("encoding_format", "encoding_format must be 'float' or 'base64'.")
    if req.user is not None and not isinstance(req.user, str):
        raise invalid("user", "user must be a string.")
    dims = req.dimensions
    if dims is None:
        return
    if isinstance(dims, bool) or not isinstance(dims, int) or dims < 1:
        raise invalid("dimensions", "dimensions must be a positive integer.")
    if not model.supports_dimensions:
        raise invalid("dimensions", f"The model '{model.slug}' does not take dimensions.")
    if model.embedding_dimensions and dims > model.embedding_dimensions:
        limit = model.embedding_dimensions
        raise invalid("dimensions", f"dimensions must be at most {limit} for this model.", min=1, max=limit)


def input_token_ceiling(inputs: list[str] | list[list[int]]) -> int:
    """The most tokens the inputs can be: a token array is its length; a text, its UTF-8 bytes (every
    tokenizer we price makes at least one byte of a token), so the reservation is never too small."""
    return sum(len(x) if isinstance(x, list) else len(x.encode()) for x in inputs)


def _embedding_key(user_id: int, model: AIModel, req: EmbeddingRequest) -> str:
    blob = json.dumps([user_id, model.slug, req.inputs, req.dimensions], separators=(",", ":"))
    return store.key("emb", "v1", hashlib.sha256(blob.encode()).hexdigest())


def _embedding_plan(origin: Origin, req: EmbeddingRequest) -> _MediaPlan:
    chain = _chain_of(req.model, ModelKind.EMBEDDING)
    model = chain[0]
    _embedding_inputs(req)
    _embedding_options(req, model)
    config = provider_config_for(provider=model.provider, user=origin.user)
    _refuse_unsupported(config, model, req)
    ceiling = input_token_ceiling(req.inputs)
    costs = [embedding_cost(model=m, input_tokens=ceiling) for m in chain]
    reserve = max((to_nano(c, round_up=True) for c in costs if c is not None), default=0)
    parameters = {"inputs": len(req.inputs), "dimensions": req.dimensions, "encoding_format": req.encoding_format}
    return _MediaPlan(chain, admission.limits_for(origin.user), reserve, config, parameters,
                      _embedding_key(origin.user.pk, model, req))  # fmt: skip


def _embedding_cache_entry(result: EmbeddingResult, model: AIModel) -> dict[str, Any] | None:
    if sum(len(v) for v in result.vectors) > CACHEABLE_FLOATS or result.usage.estimated:
        return None
    vectors = [floats_to_base64(v) for v in result.vectors]
    return {"vectors": vectors, "prompt_tokens": result.usage.prompt_tokens, "model_id": model.pk}


async def embeddings_run(
    origin: Origin, req: EmbeddingRequest, *, behind: bool = False
) -> tuple[EmbeddingOutcome, Prepared]:
    """One embeddings call. Refusals raise ApiError before anything is counted; provider failures are
    recorded (charged nothing), then raised. Identical inputs to the same model are answered from the
    cache for RESPONSE_CACHE_TTL, counted as a request and charged nothing."""
    started = time.perf_counter()
    plan = await from_memory_or_thread(_embedding_plan, origin, req)
    cached = await response_cache.lookup_async(plan.cache_key) if plan.cache_key else None
    prep = await _admitted(origin, plan, [], cached=cached, behind=behind, started=started)
    if cached:
        vectors = [floats_from_base64(v) for v in cached["vectors"]]
        usage = Usage(cached["prompt_tokens"], 0, cached["prompt_tokens"])
        out = await settle(prep, model=prep.requested, status=GenerationStatus.SUCCESS, usage=usage, cached=True)
        return EmbeddingOutcome(out, vectors), prep
    model, result = await first_answer(prep, lambda adapter, m: adapter.embed(replace(req, model=m.upstream_id)))
    if len(result.vectors) != len(req.inputs):
        raise await _protocol_failure(prep, model, "The provider answered a different number of vectors.")
    usage = Usage(result.usage.prompt_tokens, 0, result.usage.prompt_tokens, estimated=result.usage.estimated,
                  reported_cost=result.usage.reported_cost)  # fmt: skip
    out = await settle(prep, model=model, status=GenerationStatus.SUCCESS, usage=usage)
    if plan.cache_key and (entry := _embedding_cache_entry(result, model)):
        await response_cache.store_answer_async(plan.cache_key, entry)
    return EmbeddingOutcome(out, result.vectors), prep


async def _protocol_failure(prep: Prepared, model: AIModel, message: str) -> ApiError:
    error = ApiError("PROVIDER_ERROR", f"The model provider failed: {message}", {"kind": "protocol"})
    await settle(prep, model=model, status=GenerationStatus.ERROR, error=error)
    return error


# --- images ----------------------------------------------------------------------------------------


def image_request(body: dict[str, Any]) -> ImageRequest:
    """OpenAI's images body as a request; a prompt that is not text is refused, never turned into text."""
    if body.get("prompt") is not None and not isinstance(body["prompt"], str):
        raise invalid("prompt", "prompt must be a string.")
    return ImageRequest.from_openai(body)


def _image_fields(req: ImageRequest) -> None:
    if not req.prompt.strip():
        raise invalid("prompt", "prompt must be a non-empty string.")
    if len(req.prompt) > MAX_IMAGE_PROMPT:
        raise invalid("prompt", f"prompt may be at most {MAX_IMAGE_PROMPT} characters.", max=MAX_IMAGE_PROMPT)
    n = req.n
    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_IMAGES):
        raise invalid("n", f"n must be an integer between 1 and {MAX_IMAGES}.", min=1, max=MAX_IMAGES)
    if req.response_format not in (None, *IMAGE_RESPONSE_FORMATS):
        raise invalid("response_format", "response_format must be 'url' or 'b64_json'.")
    for name in ("size", "quality", "background", "output_format", "user"):
        if (value := getattr(req, name)) is not None and not isinstance(value, str):
            raise invalid(name, f"{name} must be a string.")


def priced_quality(model: AIModel, size: str, quality: str | None) -> str:
    """The quality an image is priced at: the one asked for, else the provider's default tier when the
    model's table names it (DALL-E "standard", GPT image "medium"), else any ("*")."""
    if quality and quality != "auto":
        return quality
    table = model.image_prices or {}
    row = table.get(size) or table.get("*") or {}
    return next((q for q in ("auto", "standard", "medium") if q in row), "*")


def _image_reservation(chain: list[AIModel], req: ImageRequest) -> int:
    """The most `n` images can cost on any model that may draw them. A size the table does not name
    ("auto", or none) reserves the dearest price in the whole table."""
    found = []
    for model in chain:
        size, quality = (req.size or "auto").lower(), (req.quality or "auto").lower()
        cost = image_max_cost(model=model, size=size, quality=quality, n=req.count)
        if cost is None and model.image_prices:
            dearest = max(
                image_max_cost(model=model, size=s, quality="auto", n=req.count) or 0 for s in model.image_prices
            )
            cost = Decimal(dearest) or None
        if cost is not None:
            found.append(to_nano(cost, round_up=True))
    return max(found, default=0)


def _image_plan(origin: Origin, req: ImageRequest) -> _MediaPlan:
    chain = _chain_of(req.model, ModelKind.IMAGE)
    model = chain[0]
    _image_fields(req)
    config = provider_config_for(provider=model.provider, user=origin.user)
    _refuse_unsupported(config, model, req)
    names = ("n", "size", "quality", "background", "output_format", "response_format")
    parameters = {name: getattr(req, name) for name in names}
    return _MediaPlan(chain, admission.limits_for(origin.user), _image_reservation(chain, req), config, parameters)


def image_cost_for(model: AIModel, req: ImageRequest, result: ImageResult, sizes: list[str]) -> Decimal | None:
    """What the drawn images cost: the upstream's own figure, else its token counts at the model's
    token prices, else the per-image table at each picture's real size."""
    usage = result.usage
    if usage.reported_cost is not None:
        return Decimal(usage.reported_cost).quantize(QUANTUM)
    if usage.output_tokens is not None and model.image_output_price_per_1m is not None:
        prompt = usage.input_text_tokens if usage.input_text_tokens is not None else usage.input_tokens
        return image_cost(model=model, size="*", quality="*", prompt_tokens=prompt, image_tokens=usage.output_tokens)
    total = Decimal(0)
    for size in sizes:
        each = image_cost(model=model, size=size, quality=priced_quality(model, size, req.quality))
        if each is None:
            return None
        total += each
    return total


def _image_usage(result: ImageResult) -> Usage:
    u = result.usage
    prompt = u.input_tokens or 0
    output = u.output_tokens or 0
    return Usage(prompt, output, prompt + output)


async def images_run(origin: Origin, req: ImageRequest, *, behind: bool = False) -> tuple[ImageOutcome, Prepared]:
    """One image-generation call: the pictures are stored in media storage (owned by the caller) and
    charged per image once they are; the budget holds the most they can cost until then."""
    started = time.perf_counter()
    plan = await from_memory_or_thread(_image_plan, origin, req)
    prep = await _admitted(origin, plan, [{"role": "user", "content": req.prompt}], cached=None, behind=behind,
                           started=started)  # fmt: skip
    model, result = await first_answer(
        prep, lambda adapter, m: adapter.generate_images(replace(req, model=m.upstream_id))
    )
    # Shielded: a caller who leaves now must not leave drawn pictures unstored or the budget held.
    done = await asyncio.shield(_keep_pictures(origin, prep, model, req, result))
    return done, prep


async def _keep_pictures(
    origin: Origin, prep: Prepared, model: AIModel, req: ImageRequest, result: ImageResult
) -> ImageOutcome:
    """Store the pictures, then record and charge the call; a call whose pictures cannot be kept is
    recorded as failed and charged nothing."""
    if not result.images:
        raise await _protocol_failure(prep, model, "The provider answered no image.")
    try:
        stored = await sync_to_async(image_store.pictures_save)(user_id=origin.user.pk, result=result)
    except Exception:
        logger.exception("storing the pictures of %s failed", model.slug)
        error = ApiError("SERVER_ERROR", "The images could not be stored; nothing was charged.")
        await settle(prep, model=model, status=GenerationStatus.ERROR, error=error)
        raise error from None
    sizes = [f"{p.width}x{p.height}" if p.width else (req.size or "auto").lower() for p in stored]
    prep.params.values["images"] = len(stored)
    out = await settle(
        prep, model=model, status=GenerationStatus.SUCCESS, usage=_image_usage(result),
        upstream_id=result.upstream_id or "", cost_of=lambda m: image_cost_for(m, req, result, sizes),
    )  # fmt: skip
    images = await sync_to_async(image_store.pictures_record)(
        user_id=origin.user.pk, generation_id=out.generation_id, model_slug=model.slug, prompt=req.prompt,
        stored=stored,
    )  # fmt: skip
    return ImageOutcome(out, images, [i.data for i in result.images])


def media_validate(origin: Origin, req: EmbeddingRequest | ImageRequest) -> None:
    """Everything checked before admission, without admitting (a batch checks its items' fields once,
    at submission, so a bad field is one 400 rather than a thousand failed items)."""
    if isinstance(req, EmbeddingRequest):
        _embedding_plan(origin, req)
    else:
        _image_plan(origin, req)
