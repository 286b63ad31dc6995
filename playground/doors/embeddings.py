"""The embeddings door: `POST /v1/embeddings` in OpenAI's shape (API keys only) and
`POST /api/v1/ai/embeddings` in the envelope. Both parse into providers.media.EmbeddingRequest and
call playground.generation.media.embeddings_run; vectors are rendered as floats or, when asked,
as base64 of little-endian float32 (what the `openai` package asks for by default)."""

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from config.api import openai
from config.api.envelope import envelope_response, error_response
from config.api.exceptions import ApiError
from config.money import money
from playground.doors.base import generation_call, generation_post, metered
from playground.generation.media import EmbeddingOutcome, embeddings_run
from providers.media import EmbeddingRequest, floats_to_base64
from usage.models import Door


def _vectors(done: EmbeddingOutcome, encoding: str | None) -> list[dict[str, Any]]:
    render = floats_to_base64 if encoding == "base64" else list
    return [{"object": "embedding", "index": i, "embedding": render(v)} for i, v in enumerate(done.vectors)]


def _usage(done: EmbeddingOutcome) -> dict[str, Any]:
    tokens = done.outcome.usage.prompt_tokens
    block: dict[str, Any] = {"prompt_tokens": tokens, "total_tokens": tokens}
    if done.outcome.usage.estimated:
        block["estimated"] = True
    return block


def openai_embeddings_json(done: EmbeddingOutcome, req: EmbeddingRequest) -> dict[str, Any]:
    return {
        "object": "list",
        "data": _vectors(done, req.encoding_format),
        "model": done.outcome.model.slug,
        "usage": _usage(done),
    }


def rest_embeddings_data(done: EmbeddingOutcome, req: EmbeddingRequest) -> dict[str, Any]:
    return {
        "id": f"emb-{done.outcome.generation_id}",
        "model": done.outcome.model.slug,
        "data": _vectors(done, req.encoding_format),
        "dimensions": done.dimensions,
        "usage": _usage(done),
        "cost": money(done.outcome.cost),
        "cached": done.outcome.cached,
        "created": done.outcome.created,
    }


@generation_post
async def openai_embeddings(request: HttpRequest) -> HttpResponse:
    try:
        origin, body = await generation_call(request, Door.OPENAI, keys_only=True)
        req = EmbeddingRequest.from_openai(body)
        done, prep = await embeddings_run(origin, req, behind=True)
    except ApiError as exc:
        return openai.error_response(exc)
    return metered(JsonResponse(openai_embeddings_json(done, req)), prep)


@generation_post
async def rest_embeddings(request: HttpRequest) -> HttpResponse:
    try:
        origin, body = await generation_call(request, Door.REST)
        req = EmbeddingRequest.from_openai(body)
        done, prep = await embeddings_run(origin, req)
    except ApiError as exc:
        return error_response(exc)
    return metered(envelope_response(rest_embeddings_data(done, req)), prep)
