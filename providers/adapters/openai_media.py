"""OpenAI's embeddings and image generation, shared by every adapter that speaks OpenAI's wire format.

Embeddings (`POST /embeddings`): `input` goes up as a list (texts or token arrays), `dimensions` and
`user` as they are. Vectors are asked for as base64 where the upstream documents it (OpenAI,
OpenRouter: a quarter of the JSON, and decoding it is cheaper than parsing floats) and as floats from
other OpenAI-compatible servers, many of which know no other format; either is read back.

Images (`POST /images/generations`), by model family:
- GPT image models (gpt-image-*, chatgpt-image-*): always base64; `size` (WIDTHxHEIGHT or auto),
  `quality`, `background`, `output_format` as they are; `response_format` is never sent (OpenAI
  refuses it for these models). Usage reports input text/image tokens and output image tokens.
- DALL-E 3: n = 1 only, sizes 1024x1024 / 1792x1024 / 1024x1792, quality standard or hd; asked
  for `b64_json`, so no second download; `revised_prompt` is kept. DALL-E 2 likewise, its own sizes.
- any other model (an OpenAI-compatible server): prompt, n, size, quality, `b64_json`;
  `background` and `output_format` are refused, since such servers do not document them.
A URL returned anyway (servers that ignore `response_format`) is downloaded (see _media.py).
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import httpx

from providers.adapters._http import HTTPAdapter, to_decimal
from providers.adapters._media import (
    estimated_embedding_usage,
    fetch_image,
    image_from_base64,
    openai_vectors,
    valid_size,
)
from providers.base import (
    EmbeddingRequest,
    EmbeddingResult,
    GeneratedImage,
    ImageRequest,
    ImageResult,
    ImageUsage,
    ProviderError,
    media_set,
)
from providers.errors import protocol_error
from providers.results import Usage

DALLE_SIZES = {
    "dall-e-3": frozenset({"1024x1024", "1792x1024", "1024x1792"}),
    "dall-e-2": frozenset({"256x256", "512x512", "1024x1024"}),
}
DALLE_QUALITIES = {"dall-e-3": frozenset({"standard", "hd", "auto"}), "dall-e-2": frozenset({"standard", "auto"})}
GPT_IMAGE_FORMATS = frozenset({"png", "jpeg", "webp"})
MAX_IMAGES = 10
MODERATION_CODES = frozenset({"moderation_blocked", "content_policy_violation"})  # GPT image, DALL-E


def image_family(model: str) -> str:
    """ "gpt-image", "dall-e-3", "dall-e-2", or "other" (an OpenAI-compatible server's model)."""
    if model.startswith(("gpt-image", "chatgpt-image")):
        return "gpt-image"
    if model.startswith("dall-e-3"):
        return "dall-e-3"
    if model.startswith("dall-e-2"):
        return "dall-e-2"
    return "other"


def parse_embedding_usage(raw: Any) -> Usage | None:
    if not isinstance(raw, dict) or raw.get("prompt_tokens") is None:
        return None
    prompt = int(raw["prompt_tokens"])
    return Usage(prompt, 0, int(raw.get("total_tokens") or prompt), reported_cost=to_decimal(raw.get("cost")))


def parse_image_usage(raw: Any, images: int) -> ImageUsage:
    if not isinstance(raw, dict):
        return ImageUsage(images)
    details = raw.get("input_tokens_details") or {}
    return ImageUsage(
        images,
        input_tokens=_int(raw.get("input_tokens")),
        input_text_tokens=_int(details.get("text_tokens")),
        input_image_tokens=_int(details.get("image_tokens")),
        output_tokens=_int(raw.get("output_tokens")),
    )


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class OpenAIMedia(HTTPAdapter):
    modalities = frozenset({"chat", "embedding", "image"})
    embedding_fields = frozenset({"dimensions"})
    takes_token_input = True
    image_fields = frozenset({"n", "size", "quality", "background", "output_format"})
    embeddings_path = "/embeddings"
    images_path = "/images/generations"
    # What the upstream is asked for; "float" for servers that may know nothing else.
    base64_embeddings: ClassVar[bool] = False

    def error_from_response(self, response: httpx.Response, body: bytes) -> ProviderError:
        error = super().error_from_response(response, body)
        if error.code in MODERATION_CODES:  # a 400, but the caller must change the prompt, not the request
            error.kind, error.retryable = "content_filter", False
        return error

    @property
    def embedding_encoding(self) -> str:
        return "base64" if self.base64_embeddings or self.config.kind == "openai" else "float"

    def unsupported_embedding_values(self, req: EmbeddingRequest) -> list[str]:
        # OpenAI: only text-embedding-3 and later shorten vectors on request.
        ada = self.config.kind == "openai" and req.model.startswith("text-embedding-ada")
        return ["dimensions"] if ada and req.dimensions is not None else []

    def embedding_body(self, req: EmbeddingRequest) -> dict[str, Any]:
        body: dict[str, Any] = {"model": req.model, "input": req.inputs, "encoding_format": self.embedding_encoding}
        if req.dimensions is not None:
            body["dimensions"] = req.dimensions
        if req.user is not None:
            body["user"] = req.user
        if req.extra:
            body.update(self.passthrough(req))
        return body

    async def embed(self, req: EmbeddingRequest) -> EmbeddingResult:
        self.refuse_unsupported_media(req)
        payload = await self.request_json("POST", self.url(self.embeddings_path), json=self.embedding_body(req))
        vectors = openai_vectors(self.name, payload, len(req.inputs))
        usage = parse_embedding_usage(payload.get("usage")) or estimated_embedding_usage(req.inputs)
        return EmbeddingResult(vectors, usage, payload.get("model") or req.model)

    def unsupported_image_values(self, req: ImageRequest) -> list[str]:
        family = image_family(req.model)
        found = [] if valid_size(req.size) else ["size"]
        if req.n is not None and not 1 <= req.n <= (1 if family == "dall-e-3" else MAX_IMAGES):
            found.append("n")
        if family in DALLE_SIZES:
            if req.size not in (None, *DALLE_SIZES[family]):
                found.append("size")
            if req.quality not in (None, *DALLE_QUALITIES[family]):
                found.append("quality")
        if family == "gpt-image":
            if req.output_format not in (None, *GPT_IMAGE_FORMATS):
                found.append("output_format")
            if req.background == "transparent" and req.output_format == "jpeg":
                found.append("background")  # JPEG has no transparency
            return found
        # DALL-E draws PNG on an opaque background and takes neither field; other servers do not say.
        if media_set("background", req.background):
            found.append("background")
        if req.output_format is not None and not (family != "other" and req.output_format == "png"):
            found.append("output_format")
        return found

    def image_body(self, req: ImageRequest) -> dict[str, Any]:
        family = image_family(req.model)
        body: dict[str, Any] = {"model": req.model, "prompt": req.prompt}
        if req.n is not None:
            body["n"] = req.n
        for name in ("size", "quality"):
            value = getattr(req, name)
            if value is not None and not (value == "auto" and family != "gpt-image"):
                body[name] = value
        if family == "gpt-image":
            for name in ("background", "output_format"):
                if getattr(req, name) is not None:
                    body[name] = getattr(req, name)
        else:
            body["response_format"] = "b64_json"  # the bytes in this reply: no second download
        for name in ("user", "safety_identifier"):
            if getattr(req, name) is not None:
                body[name] = getattr(req, name)
        if req.extra:
            body.update(self.passthrough(req))
        return body

    async def generate_images(self, req: ImageRequest) -> ImageResult:
        self.refuse_unsupported_media(req)
        payload = await self.request_json("POST", self.url(self.images_path), json=self.image_body(req))
        items = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
            detail = f"no images in reply: {str(payload)[:200]}"
            raise protocol_error(self.name, detail, "The provider returned no image.")
        images = await asyncio.gather(*(self._image(item) for item in items))
        usage = parse_image_usage(payload.get("usage"), len(images))
        return ImageResult(list(images), usage, req.model, payload.get("id"))

    async def _image(self, item: dict[str, Any]) -> GeneratedImage:
        revised = item.get("revised_prompt") or None
        if item.get("b64_json"):
            return image_from_base64(self.name, item["b64_json"], revised)
        if isinstance(item.get("url"), str):
            return await fetch_image(self, item["url"], revised)
        raise protocol_error(self.name, f"an image with neither b64_json nor url: {str(item)[:200]}")
