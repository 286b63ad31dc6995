"""Hugging Face embeddings and text-to-image, through the router's hf-inference task API.

- Embeddings: POST {base}/hf-inference/models/{id}/pipeline/feature-extraction with
  {"inputs": [texts]}; the reply is one list of floats per input. Texts only (no token arrays) and
  no `dimensions`; no usage is reported, so tokens are estimated and marked.
- Images: POST {base}/hf-inference/models/{id} with {"inputs": prompt, "parameters": {"width",
  "height"}}; the reply is the image's bytes. One image per call (n > 1 is refused), no quality,
  background or output format.

Both share the task API's errors: {"error": "..."}, and a 503 with `estimated_time` while the model
loads (kind "unavailable", retried when the wait is within config.max_retry_wait).
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from providers.adapters._http import HTTPAdapter
from providers.adapters._media import (
    checked_vectors,
    estimated_embedding_usage,
    image_from_bytes,
    number_vectors,
    parse_size,
    valid_size,
)
from providers.base import (
    EmbeddingRequest,
    EmbeddingResult,
    ImageRequest,
    ImageResult,
    ImageUsage,
    ProviderError,
)
from providers.errors import http_error, load_json, protocol_error
from providers.http import send_whole
from providers.retry import call_with_retries


class HuggingFaceMedia(HTTPAdapter):
    modalities = frozenset({"chat", "embedding", "image"})
    # Set here, not inherited: the router adapter also descends from the OpenAI one, which takes more.
    embedding_fields: ClassVar[frozenset[str]] = frozenset()
    takes_token_input = False
    image_fields = frozenset({"size"})

    def task_url(self, model: str, pipeline: str = "") -> str:
        return self.url(f"/hf-inference/models/{model}" + (f"/pipeline/{pipeline}" if pipeline else ""))

    def error_from_response(self, response: httpx.Response, body: bytes) -> ProviderError:
        error = http_error(self.name, response, body)
        payload = load_json(body)
        if response.status_code == 503 and isinstance(payload, dict) and "estimated_time" in payload:
            error.kind = "unavailable"
            error.retryable = True
            error.retry_after = float(payload["estimated_time"])
            error.message = f"The model is loading at the provider; try again in about {error.retry_after:.0f} s."
        return error

    async def embed(self, req: EmbeddingRequest) -> EmbeddingResult:
        self.refuse_unsupported_media(req)
        body: dict[str, Any] = {"inputs": req.inputs, **(self.passthrough(req) if req.extra else {})}
        payload = await self.request_json("POST", self.task_url(req.model, "feature-extraction"), json=body)
        vectors = checked_vectors(self.name, _pooled(self.name, payload), len(req.inputs))
        return EmbeddingResult(vectors, estimated_embedding_usage(req.inputs), req.model)

    def unsupported_embedding_values(self, req: EmbeddingRequest) -> list[str]:
        return []

    def unsupported_image_values(self, req: ImageRequest) -> list[str]:
        return [] if valid_size(req.size) else ["size"]

    async def generate_images(self, req: ImageRequest) -> ImageResult:
        self.refuse_unsupported_media(req)
        body: dict[str, Any] = {"inputs": req.prompt}
        if size := parse_size(req.size):
            body["parameters"] = {"width": size[0], "height": size[1]}
        if req.extra:
            body.update(self.passthrough(req))
        url = self.task_url(req.model)

        async def attempt() -> bytes:
            response = await send_whole(
                self.client, "POST", url, json=body, headers=self.headers(), timeout=self.timeout
            )
            if response.status_code >= 400:
                raise self.error_from_response(response, response.content)
            return response.content

        data = await call_with_retries(self.config, self.name, attempt)
        return ImageResult([image_from_bytes(self.name, data)], ImageUsage(1), req.model)


def _pooled(provider: str, payload: Any) -> list[list[float]]:
    """One vector per input. A model without pooling answers one vector per token (a level deeper);
    averaging those would be a different embedding than the model's, so it is an error."""
    first = payload[0] if isinstance(payload, list) and payload else None
    if isinstance(first, list) and first and isinstance(first[0], list):
        raise protocol_error(
            provider,
            f"token-level features, not one vector per input: {str(first)[:120]}",
            "The model returns token features, not sentence embeddings.",
        )
    return number_vectors(provider, payload)
