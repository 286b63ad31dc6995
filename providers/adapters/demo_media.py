"""The demo provider's embeddings ("compass", "atlas") and images ("sketch", "canvas"), offline.

Embeddings (demo_embeddings.py): texts only (token ids mean nothing to the demo); "compass" gives
256 dimensions and takes no `dimensions`, "atlas" gives 1024 and shortens on request. Tokens are
estimated (about four characters a token) and marked so.

Images (demo_images.py): PNG by default, or JPEG/WebP on request; n up to 10, each different;
quality standard or hd; a transparent background (PNG and WebP only). "[[fail]]" in a text or a
prompt fails the call, like the chat models.
"""

from __future__ import annotations

import asyncio
import hashlib
from decimal import Decimal

from providers.adapters._media import estimated_embedding_usage, parse_size, valid_size
from providers.adapters.demo_embeddings import EMBEDDING_MODELS, embed_text
from providers.adapters.demo_images import FORMATS, IMAGE_MODELS, MAX_IMAGES, QUALITIES, draw, size_allowed
from providers.base import (
    Adapter,
    EmbeddingRequest,
    EmbeddingResult,
    GeneratedImage,
    ImageRequest,
    ImageResult,
    ImageUsage,
    ProviderError,
    UpstreamModel,
)
from providers.media import IMAGE_TYPES

FAIL_TRIGGER = "[[fail]]"
EMBED_DELAY = 0.02  # seconds, scaled by config.options["pace"]
IMAGE_DELAY = 0.4  # per call; hd takes twice as long
INLINE_CHARACTERS = 20_000  # longer batches are hashed on a worker thread, off the event loop


class DemoMedia(Adapter):
    modalities = frozenset({"chat", "embedding", "image", "video"})
    embedding_fields = frozenset({"dimensions"})
    image_fields = frozenset({"n", "size", "quality", "background", "output_format"})

    @property
    def pace(self) -> float:
        return float(self.config.options.get("pace", 1.0))

    def unsupported_embedding_values(self, req: EmbeddingRequest) -> list[str]:
        model = EMBEDDING_MODELS.get(req.model)
        if model is None or req.dimensions is None:
            return []
        return [] if model.shortens and 1 <= req.dimensions <= model.dimensions else ["dimensions"]

    def unsupported_image_values(self, req: ImageRequest) -> list[str]:
        model = IMAGE_MODELS.get(req.model)
        if model is None:
            return []
        found = []
        if req.n is not None and not 1 <= req.n <= MAX_IMAGES:
            found.append("n")
        size = parse_size(req.size) if valid_size(req.size) else (0, 0)
        if size is not None and not size_allowed(model, size):
            found.append("size")
        if req.quality not in (None, *QUALITIES):
            found.append("quality")
        if req.output_format not in (None, *FORMATS):
            found.append("output_format")
        if req.background not in (None, "auto", "opaque", "transparent") or (
            req.background == "transparent" and req.output_format == "jpeg"
        ):
            found.append("background")
        return found

    async def embed(self, req: EmbeddingRequest) -> EmbeddingResult:
        self.refuse_unsupported_media(req)
        if req.model not in EMBEDDING_MODELS:
            raise self._unknown("embedding", req.model)
        texts = [str(text) for text in req.inputs]
        for position, text in enumerate(texts):
            if not text:
                raise ProviderError("bad_request", f"input[{position}] is empty", status=400, provider=self.name)
            if FAIL_TRIGGER in text:
                raise ProviderError("unavailable", "The demo was asked to fail ([[fail]])", provider=self.name)

        def vectors() -> list[list[float]]:
            return [embed_text(req.model, text, req.dimensions) for text in texts]

        heavy = sum(map(len, texts)) > INLINE_CHARACTERS
        result = await asyncio.to_thread(vectors) if heavy else vectors()
        await asyncio.sleep(self.pace * EMBED_DELAY)
        return EmbeddingResult(result, estimated_embedding_usage(texts), req.model)

    async def generate_images(self, req: ImageRequest) -> ImageResult:
        self.refuse_unsupported_media(req)
        model = IMAGE_MODELS.get(req.model)
        if model is None:
            raise self._unknown("image", req.model)
        if not req.prompt.strip():
            raise ProviderError("bad_request", "An image needs a prompt", status=400, provider=self.name)
        if FAIL_TRIGGER in req.prompt:
            raise ProviderError("unavailable", "The demo was asked to fail ([[fail]])", provider=self.name)
        size = parse_size(req.size) or model.default_size
        fmt = req.output_format or "png"
        hd, transparent = req.quality == "hd", req.background == "transparent"

        def pictures() -> list[bytes]:
            return [
                draw(req.model, req.prompt, i, size, hd=hd, transparent=transparent, fmt=fmt) for i in range(req.count)
            ]

        drawn = await asyncio.to_thread(pictures)  # encoding a picture takes milliseconds of CPU
        await asyncio.sleep(self.pace * IMAGE_DELAY * (2 if hd else 1))
        images = [GeneratedImage(data, IMAGE_TYPES[fmt]) for data in drawn]
        upstream_id = "demo-img-" + hashlib.sha256(f"{req.model}\n{req.prompt}".encode()).hexdigest()[:16]
        return ImageResult(images, ImageUsage(len(images)), req.model, upstream_id)

    def _unknown(self, kind: str, model: str) -> ProviderError:
        message = f"The demo has no {kind} model named {model!r}"
        return ProviderError("model_not_found", message, status=404, provider=self.name)

    @staticmethod
    def media_models() -> list[UpstreamModel]:
        embedders = [
            UpstreamModel(
                id=name,
                name=f"Demo {name.title()}",
                input_price_per_1m=Decimal(model.price_per_1m),
                modality="text->embedding",
                raw={"dimensions": model.dimensions, "shortens": model.shortens},
            )
            for name, model in EMBEDDING_MODELS.items()
        ]
        painters = [
            UpstreamModel(id=name, name=f"Demo {name.title()}", modality="text->image", raw={"price": model.price})
            for name, model in IMAGE_MODELS.items()
        ]
        return embedders + painters
