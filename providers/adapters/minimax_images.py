"""MiniMax image generation: POST /v1/image_generation (model image-01).

The request takes `aspect_ratio` (eight presets, each with a fixed size) or a custom `width` and
`height` (512..2048, multiples of 8), `n` (1..9) and `response_format` ("url", valid for a day, or
"base64"). OpenAI's `size` is mapped: a preset's exact size becomes its aspect ratio, any other valid
size goes up as width and height; a size that contradicts an explicit `aspect_ratio` is refused
(MiniMax would silently prefer the ratio). Images come back as JPEG; base64 is asked for, so no
second download. Errors arrive as HTTP 200 with `base_resp` (checked by the adapter's check_payload).
Images MiniMax's moderation withheld are counted in `metadata.failed_count`; when none is left the
call fails as a content-filter refusal.
"""

from __future__ import annotations

import asyncio
from typing import Any

from providers.adapters._http import HTTPAdapter
from providers.adapters._media import fetch_image, image_from_base64, parse_size, valid_size
from providers.base import GeneratedImage, ImageRequest, ImageResult, ImageUsage, ProviderError
from providers.errors import protocol_error

# aspect_ratio -> the size MiniMax draws for it
ASPECT_RATIOS: dict[str, tuple[int, int]] = {
    "1:1": (1024, 1024),
    "16:9": (1280, 720),
    "4:3": (1152, 864),
    "3:2": (1248, 832),
    "2:3": (832, 1248),
    "3:4": (864, 1152),
    "9:16": (720, 1280),
    "21:9": (1344, 576),
}
SIZE_RATIOS: dict[str, str] = {f"{w}x{h}": ratio for ratio, (w, h) in ASPECT_RATIOS.items()}
MAX_IMAGES = 9
IMAGES_PATH = "/v1/image_generation"


def _custom_size(size: str | None) -> tuple[int, int] | None:
    """A size MiniMax draws as given (width and height 512..2048, multiples of 8), or None."""
    parsed = parse_size(size) if valid_size(size) else None
    if parsed and all(512 <= side <= 2048 and side % 8 == 0 for side in parsed):
        return parsed
    return None


class MiniMaxImages(HTTPAdapter):
    image_fields = frozenset({"n", "size", "aspect_ratio", "output_format"})

    def unsupported_image_values(self, req: ImageRequest) -> list[str]:
        found = []
        if req.n is not None and not 1 <= req.n <= MAX_IMAGES:
            found.append("n")
        if req.aspect_ratio is not None and req.aspect_ratio not in ASPECT_RATIOS:
            found.append("aspect_ratio")
        if req.size not in (None, "auto"):
            ratio = SIZE_RATIOS.get(str(req.size))
            if (ratio is None and _custom_size(req.size) is None) or (req.aspect_ratio and ratio != req.aspect_ratio):
                found.append("size")
        if req.output_format not in (None, "jpeg"):
            found.append("output_format")  # MiniMax draws JPEG only
        return found

    def image_body(self, req: ImageRequest) -> dict[str, Any]:
        body: dict[str, Any] = {"model": req.model, "prompt": req.prompt, "response_format": "base64"}
        ratio = req.aspect_ratio or SIZE_RATIOS.get(str(req.size))
        if ratio:
            body["aspect_ratio"] = ratio
        elif custom := _custom_size(req.size):
            body["width"], body["height"] = custom
        if req.n is not None:
            body["n"] = req.n
        if req.extra:
            body.update(self.passthrough(req))
        return body

    async def generate_images(self, req: ImageRequest) -> ImageResult:
        self.refuse_unsupported_media(req)
        payload = await self.request_json("POST", self.url(IMAGES_PATH), json=self.image_body(req))
        data = payload.get("data") or {}
        encoded, urls = data.get("image_base64") or [], data.get("image_urls") or []
        images: list[GeneratedImage] = [image_from_base64(self.name, item) for item in encoded]
        if urls and not images:  # a deployment that ignores response_format
            images = list(await asyncio.gather(*(fetch_image(self, str(url)) for url in urls)))
        if not images:
            raise self._none_delivered(payload)
        return ImageResult(images, ImageUsage(len(images)), req.model, payload.get("id") or None)

    def _none_delivered(self, payload: Any) -> ProviderError:
        failed = str((payload.get("metadata") or {}).get("failed_count") or "0")
        if failed.isdigit() and int(failed) > 0:
            detail = f"failed_count={failed}, no image delivered"
            return ProviderError("content_filter", provider=self.name, retryable=False, detail=detail)
        return protocol_error(self.name, f"no images in reply: {str(payload)[:200]}", "The provider returned no image.")
