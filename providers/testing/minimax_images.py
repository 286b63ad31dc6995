"""MiniMax image generation: POST /minimax/v1/image_generation (model image-01).

Checked as MiniMax documents it: `prompt` up to 1500 characters, `aspect_ratio` one of eight presets
(each with its own size), or `width` and `height` together (512..2048, multiples of 8), `n` 1..9,
`response_format` url (the default; served from /minimax/images/) or base64. Anything else is
base_resp 2013, on HTTP 200. A prompt containing "[[blocked]]" is refused as sensitive (1026).
Images are JPEG. Faults besides the shared MiniMax ones: @partial (the last image withheld by
moderation, counted in metadata.failed_count), @allfailed (every image withheld), @url (URLs
whatever was asked).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from providers.testing.pictures import picture
from providers.testing.plumbing import Book, Faults, Request

ASPECT_RATIOS = {
    "1:1": (1024, 1024),
    "16:9": (1280, 720),
    "4:3": (1152, 864),
    "3:2": (1248, 832),
    "2:3": (832, 1248),
    "3:4": (864, 1152),
    "9:16": (720, 1280),
    "21:9": (1344, 576),
}


def base_resp(code: int = 0, message: str = "success") -> dict[str, Any]:
    return {"base_resp": {"status_code": code, "status_msg": message}}


def invalid(body: dict[str, Any], model: str) -> str | None:
    """Why MiniMax would answer 2013 to this body, or None."""
    prompt, n = body.get("prompt"), body.get("n", 1)
    width, height = body.get("width"), body.get("height")
    if model != "image-01":
        return f"invalid params, model {model} does not support image generation"
    if not isinstance(prompt, str) or not prompt or len(prompt) > 1500:
        return "invalid params, prompt"
    if body.get("aspect_ratio") is not None and body["aspect_ratio"] not in ASPECT_RATIOS:
        return "invalid params, aspect_ratio"
    if (width is None) != (height is None):
        return "invalid params, width and height must be set together"
    if width is not None and not all(isinstance(s, int) and 512 <= s <= 2048 and s % 8 == 0 for s in (width, height)):
        return "invalid params, width/height"
    if not isinstance(n, int) or not 1 <= n <= 9:
        return "invalid params, n"
    if body.get("response_format", "url") not in ("url", "base64"):
        return "invalid params, response_format"
    return None


class MiniMaxImagesFake:
    def __init__(self, book: Book, fault_code: Callable[[Faults, int], tuple[int, str] | None]) -> None:
        self.book = book
        self.fault_code = fault_code

    async def generate(self, req: Request) -> None:
        if (received := await self.book.admit(req, "minimax")) is None:
            return
        body, key, count, faults = received
        error = self.fault_code(faults, count)
        if error is None and (problem := invalid(body, faults.model)):
            error = (2013, problem)
        if error is None and "[[blocked]]" in str(body.get("prompt")):
            error = (1026, "input new_sensitive")
        if error:
            await req.respond(200, {"id": "", "data": None, "metadata": None, **base_resp(*error)})
            return
        n = int(body.get("n", 1))
        if "aspect_ratio" in body or "width" not in body:
            size = ASPECT_RATIOS[body.get("aspect_ratio", "1:1")]
        else:
            size = (int(body["width"]), int(body["height"]))
        withheld = n if faults.has("allfailed") else int(faults.has("partial"))
        pictures = [picture(body["prompt"], i, size, "jpeg") for i in range(n - withheld)]
        if body.get("response_format") == "base64" and not faults.has("url"):
            data = {"image_base64": [base64.b64encode(p).decode() for p in pictures]}
        else:
            data = {"image_urls": [self.url(req, p) for p in pictures]}
        task_id = hashlib.sha256(repr(body).encode()).hexdigest()[:18]
        metadata = {"failed_count": str(withheld), "success_count": str(n - withheld)}
        await self.book.send_json(req, key, faults, {"id": task_id, "data": data, "metadata": metadata, **base_resp()})

    def url(self, req: Request, data: bytes) -> str:
        name = f"img-{secrets.token_hex(12)}.jpeg"
        self.book.files[name] = (data, "image/jpeg")
        return f"http://{req.host}/minimax/images/{name}"
