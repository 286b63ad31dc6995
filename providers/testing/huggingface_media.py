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
from providers.testing.plumbing import Book, Received, Request, parse_faults

FEATURE_SIZE = 384
TEXT_TO_IMAGE = frozenset({"black-forest-labs/FLUX.1-schnell", "stabilityai/stable-diffusion-xl-base-1.0"})


def is_text_to_image(full_model: str) -> bool:
    return parse_faults(full_model).model in TEXT_TO_IMAGE


class HuggingFaceMedia:
    def __init__(self, book: Book) -> None:
        self.book = book

    async def admit(self, req: Request, provider: str, full_model: str, **error: str) -> Received | None:
        """Take on a task-API request and apply its faults (the shared ones, auth, loading and
        failing statuses); None when a fault has answered. `error` adds fields to the status error."""
        received = await self.book.admit(req, provider, full_model)
        if received is None:
            return None
        faults, count = received.faults, received.count
        if faults.has("auth"):
            await req.respond(401, {"error": "Invalid credentials in Authorization header"})
            return None
        if faults.loading and faults.failing(count):
            eta = faults.value("eta", 20.0)
            await req.respond(503, {"error": f"Model {faults.model} is currently loading", "estimated_time": eta})
            return None
        if faults.status and faults.failing(count):
            headers = {"Retry-After": "1", "retry-after-ms": "50"} if faults.status == 429 else {}
            await req.respond(faults.status, {"error": f"Fake error {faults.status}", **error}, headers)
            return None
        return received

    async def features(self, req: Request, full_model: str) -> None:
        if (received := await self.admit(req, "hf_features", full_model)) is None:
            return
        body, key, _, faults = received
        inputs = body.get("inputs")
        texts = [inputs] if isinstance(inputs, str) else inputs
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            await req.respond(400, {"error": "Input should be a valid string or a list of strings"})
            return
        vectors: list[Any] = [fake_vector(faults.model, text, FEATURE_SIZE) for text in texts]
        if faults.has("tokens"):
            vectors = [[v[:8], v[8:16]] for v in vectors]
        await self.book.send_json(req, key, faults, vectors[0] if isinstance(inputs, str) else vectors)

    async def text_to_image(self, req: Request, full_model: str) -> None:
        if (received := await self.admit(req, "hf_image", full_model)) is None:
            return
        body, key, _, faults = received
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
