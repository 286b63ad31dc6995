"""Hugging Face's hf-inference task API for feature extraction and text-to-image.

- POST /hf/hf-inference/models/{id}/pipeline/feature-extraction {"inputs": str | [str]}: one list of
  floats for a string, one per input for a list (384 numbers, pictures.fake_vector). Anything but
  text is a 400 {"error": ...}. @tokens answers token-level features (a level deeper), as a model
  without pooling does.
- POST /hf/hf-inference/models/{id} for the text-to-image models below: the image's bytes (JPEG),
  at `parameters.width` x `height` (default 1024x1024). @notimage answers an HTML page with 200.
Both load like the real thing: @503loading (with @eta) answers 503 {"error", "estimated_time"}.
"""

from __future__ import annotations

from typing import Any

from providers.testing.pictures import HTML_PAGE, fake_vector, picture
from providers.testing.plumbing import Book, Faults, Request, parse_faults

FEATURE_SIZE = 384
TEXT_TO_IMAGE = frozenset({"black-forest-labs/FLUX.1-schnell", "stabilityai/stable-diffusion-xl-base-1.0"})


def is_text_to_image(full_model: str) -> bool:
    return parse_faults(full_model).model in TEXT_TO_IMAGE


class HuggingFaceMedia:
    def __init__(self, book: Book) -> None:
        self.book = book

    async def failed(self, req: Request, faults: Faults, key: str, count: int) -> bool:
        """The shared and loading faults; True when one has answered."""
        if await self.book.common_faults(req, faults, key):
            return True
        if faults.has("auth"):
            await req.respond(401, {"error": "Invalid credentials in Authorization header"})
            return True
        if faults.loading and faults.failing(count):
            eta = faults.value("eta", 20.0)
            await req.respond(503, {"error": f"Model {faults.model} is currently loading", "estimated_time": eta})
            return True
        if faults.status and faults.failing(count):
            headers = {"Retry-After": "1", "retry-after-ms": "50"} if faults.status == 429 else {}
            await req.respond(faults.status, {"error": f"Fake error {faults.status}"}, headers)
            return True
        return False

    async def features(self, req: Request, full_model: str) -> None:
        key, count = self.book.record("hf_features", full_model, req)
        faults = parse_faults(full_model)
        if await self.failed(req, faults, key, count):
            return
        inputs = (req.json() or {}).get("inputs")
        texts = [inputs] if isinstance(inputs, str) else inputs
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            await req.respond(400, {"error": "Input should be a valid string or a list of strings"})
            return
        vectors: list[Any] = [fake_vector(faults.model, text, FEATURE_SIZE) for text in texts]
        if faults.has("tokens"):
            vectors = [[v[:8], v[8:16]] for v in vectors]
        await self.book.send_json(req, key, faults, vectors[0] if isinstance(inputs, str) else vectors)

    async def text_to_image(self, req: Request, full_model: str) -> None:
        key, count = self.book.record("hf_image", full_model, req)
        faults = parse_faults(full_model)
        if await self.failed(req, faults, key, count):
            return
        body = req.json() or {}
        prompt = body.get("inputs")
        parameters = body.get("parameters") or {}
        if not isinstance(prompt, str) or not prompt:
            await req.respond(400, {"error": "Input should be a valid string"})
            return
        size = (int(parameters.get("width") or 1024), int(parameters.get("height") or 1024))
        data, content_type = picture(prompt, 0, size, "jpeg"), "image/jpeg"
        if faults.has("notimage"):
            data, content_type = HTML_PAGE, "text/html"
        await req.start(200, content_type, {"content-length": str(len(data))})
        await req.write(data, more=False)
        self.book.completed[key] += 1
