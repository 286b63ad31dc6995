"""OpenAI's embeddings and image generation, as OpenAI (and OpenRouter, for embeddings) serve them.

Embeddings: `input` a string, strings, a token array or token arrays (an empty string or list is
OpenAI's 400 "'$.input' is invalid"); `encoding_format` float or base64 (little-endian float32);
`dimensions` shortens text-embedding-3 vectors and is refused by text-embedding-ada-002. Vectors are
pictures.fake_vector; prompt_tokens counts words (token arrays: their length). OpenRouter adds
`usage.cost` and answers errors in its own envelope.

Images: GPT image models answer base64 only (a `response_format` is OpenAI's 400 "Unknown
parameter"), with `usage` in image tokens; DALL-E 3 takes n=1 only and its own sizes and qualities,
answers a URL by default (served from /openai/files/) and a `revised_prompt`; DALL-E 2 and other
models take n up to 10. A prompt containing "[[blocked]]" is refused by the safety system (400,
code moderation_blocked). Faults besides the shared ones: @url (URLs whatever was asked, as some
compatible servers do), @foreign-url (URLs on another host name for this server), @gone (the URL
answers 404), @notimage (the "image" is an HTML page), @empty (no images), @shuffled (embeddings
listed in reverse order, each with its index).
"""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

from providers.testing.openai_family import OpenAIFamily, openai_error, openrouter_cost
from providers.testing.pictures import FORMATS, HTML_PAGE, base64_floats, fake_vector, picture, shortened, words
from providers.testing.plumbing import Book, Faults, Request, Route

EMBEDDING_SIZES = {"text-embedding-3-large": 3072, "text-embedding-3-small": 1536, "text-embedding-ada-002": 1536}
DEFAULT_EMBEDDING_SIZE = 384
DALLE_SIZES = {"dall-e-3": {"1024x1024", "1792x1024", "1024x1792"}, "dall-e-2": {"256x256", "512x512", "1024x1024"}}
DALLE_QUALITIES = {"dall-e-3": {"standard", "hd", "auto"}, "dall-e-2": {"standard", "auto"}}
GPT_IMAGE_QUALITIES = {"low": 272, "medium": 1056, "high": 4160, "auto": 1056, "xhigh": 6240, "max": 8320}
INVALID_INPUT = "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference."


def embedding_size(model: str) -> int:
    return EMBEDDING_SIZES.get(model.rsplit("/", 1)[-1], DEFAULT_EMBEDDING_SIZE)


def inputs_of(raw: Any) -> list[Any] | None:
    """The list of inputs OpenAI would embed, or None when it would answer 400."""
    if isinstance(raw, str) or (isinstance(raw, list) and raw and all(isinstance(x, int) for x in raw)):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        return None
    for item in raw:
        text_ok = isinstance(item, str) and item != ""
        tokens_ok = isinstance(item, list) and item and all(isinstance(t, int) and t >= 0 for t in item)
        if not (text_ok or tokens_ok):
            return None
    return raw


def image_family(model: str) -> str:
    for family in ("dall-e-3", "dall-e-2"):
        if model.startswith(family):
            return family
    return "gpt-image" if model.startswith(("gpt-image", "chatgpt-image")) else "other"


def parse_size(size: Any) -> tuple[int, int] | None:
    width, sep, height = str(size).partition("x")
    return (int(width), int(height)) if sep and width.isdigit() and height.isdigit() else None


class OpenAIMediaFake:
    def __init__(self, book: Book, family: OpenAIFamily) -> None:
        self.book = book
        self.family = family

    def routes(self) -> list[Route]:
        return [
            ("POST", "/openai/v1/embeddings", lambda r: self.embeddings(r, "openai")),
            ("POST", "/openrouter/api/v1/embeddings", lambda r: self.embeddings(r, "openrouter")),
            ("POST", "/openai/v1/images/generations", self.images),
            ("GET", "/openai/files/", lambda r: self.book.serve_file(r, r.path.removeprefix("/openai/files/"))),
        ]

    async def start(self, req: Request, provider: str) -> tuple[dict[str, Any], str, Faults] | None:
        """Record the request and apply the shared faults; None when a fault has answered."""
        received = await self.book.admit(req, provider)
        if received is None or await self.family.fault_response(req, provider, received.faults, received.count):
            return None
        return received.body, received.key, received.faults

    async def refuse(self, req: Request, provider: str, message: str, param: str | None = None) -> None:
        error = openai_error(provider, 400, message, "invalid_request_error", None)
        if provider == "openai":
            error["error"]["param"] = param
        await req.respond(400, error)

    async def embeddings(self, req: Request, provider: str) -> None:
        started = await self.start(req, provider)
        if started is None:
            return
        body, key, faults = started
        inputs = inputs_of(body.get("input"))
        size = embedding_size(faults.model)
        dimensions = body.get("dimensions")
        encoding = body.get("encoding_format", "float")
        if inputs is None:
            return await self.refuse(req, provider, INVALID_INPUT, "input")
        if dimensions is not None and faults.model.endswith("text-embedding-ada-002"):
            return await self.refuse(req, provider, "This model does not support specifying dimensions.", "dimensions")
        if dimensions is not None and not (isinstance(dimensions, int) and 1 <= dimensions <= size):
            message = f"Invalid 'dimensions': must be between 1 and {size}."
            return await self.refuse(req, provider, message, "dimensions")
        if encoding not in ("float", "base64"):
            return await self.refuse(req, provider, f"Invalid value for 'encoding_format': {encoding!r}.")
        data = []
        for index, item in enumerate(inputs):
            vector = fake_vector(faults.model, item, size)
            if dimensions:
                vector = shortened(vector, dimensions)
            data.append({"object": "embedding", "index": index, "embedding": _encoded(vector, encoding)})
        if faults.has("shuffled"):
            data.reverse()
        tokens = sum(len(i) if isinstance(i, list) else words(i) for i in inputs)
        payload: dict[str, Any] = {"object": "list", "data": data, "model": faults.model}
        if not faults.has("nousage"):
            payload["usage"] = {"prompt_tokens": tokens, "total_tokens": tokens}
            if provider == "openrouter":
                payload["usage"]["cost"] = openrouter_cost(tokens, 0)
        await self.book.send_json(req, key, faults, payload)

    async def images(self, req: Request) -> None:
        started = await self.start(req, "openai")
        if started is None:
            return
        body, key, faults = started
        family = image_family(faults.model)
        if problem := self.image_problem(body, family):
            return await self.refuse(req, "openai", *problem)
        prompt = str(body["prompt"])
        if "[[blocked]]" in prompt:
            message = "Your request was rejected as a result of our safety system."
            error = {"message": message, "type": "image_generation_user_error", "param": None}
            return await req.respond(400, {"error": {**error, "code": "moderation_blocked"}})
        n = int(body.get("n") or 1)
        size = parse_size(body.get("size")) or (1024, 1024)
        fmt = body.get("output_format") or "png"
        transparent = body.get("background") == "transparent"
        pictures = [picture(prompt, i, size, fmt, transparent) for i in range(n)]
        if faults.has("notimage"):
            pictures = [HTML_PAGE] * n
        as_url = faults.has("url") or faults.has("foreign-url") or faults.has("gone")
        as_url = as_url or (family != "gpt-image" and body.get("response_format", "url") == "url")
        data = [] if faults.has("empty") else [self.item(req, faults, data, fmt, as_url) for data in pictures]
        if family == "dall-e-3":
            for item in data:
                item["revised_prompt"] = f"A vivid, detailed picture of {prompt}"
        payload: dict[str, Any] = {"created": int(time.time()), "data": data}
        if family == "gpt-image":
            payload.update({"background": "transparent" if transparent else "opaque", "output_format": fmt})
            payload.update({"quality": body.get("quality") or "medium", "size": f"{size[0]}x{size[1]}"})
            if not faults.has("nousage"):
                payload["usage"] = self.image_usage(prompt, body.get("quality") or "auto", size, n)
        await self.book.send_json(req, key, faults, payload)

    @staticmethod
    def image_problem(body: dict[str, Any], family: str) -> tuple[str, str] | None:
        """OpenAI's 400 for this body (message, param), or None."""
        if not isinstance(body.get("prompt"), str) or not body["prompt"]:
            return "Missing required parameter: 'prompt'.", "prompt"
        n, size, quality = body.get("n", 1), body.get("size"), body.get("quality")
        if family == "gpt-image":
            if "response_format" in body:
                return "Unknown parameter: 'response_format'.", "response_format"
            parsed = parse_size(size)
            if size not in (None, "auto") and (parsed is None or any(side % 16 for side in parsed)):
                return f"Invalid value: '{size}'. Width and height must be divisible by 16.", "size"
            if quality not in (None, *GPT_IMAGE_QUALITIES):
                return f"Invalid value: '{quality}'. Supported values are: 'low', 'medium', 'high', 'auto'.", "quality"
            if body.get("output_format") not in (None, *FORMATS):
                return f"Invalid value: '{body['output_format']}'.", "output_format"
            if body.get("background") == "transparent" and body.get("output_format") == "jpeg":
                return "Transparent background is not supported for jpeg output.", "background"
        else:
            for name in ("background", "output_format"):
                if name in body:
                    return f"Unknown parameter: '{name}'.", name
            if family in DALLE_SIZES and size is not None and size not in DALLE_SIZES[family]:
                allowed = ", ".join(f"'{s}'" for s in sorted(DALLE_SIZES[family]))
                return f"'{size}' is not one of [{allowed}] - 'size'", "size"
            if family in DALLE_QUALITIES and quality not in (None, *DALLE_QUALITIES[family]):
                return f"Invalid value: '{quality}'.", "quality"
            if body.get("response_format", "url") not in ("url", "b64_json"):
                return f"Invalid value: '{body['response_format']}'.", "response_format"
        if not isinstance(n, int) or not 1 <= n <= (1 if family == "dall-e-3" else 10):
            return ("You must provide n=1 for this model." if family == "dall-e-3" else "Invalid 'n'."), "n"
        return None

    def item(self, req: Request, faults: Faults, data: bytes, fmt: str, as_url: bool) -> dict[str, Any]:
        if not as_url:
            return {"b64_json": base64.b64encode(data).decode()}
        name = f"img-{secrets.token_hex(12)}.{fmt}"  # like a signed blob URL: unique per image
        if not faults.has("gone"):
            self.book.files[name] = (data, "text/html" if data is HTML_PAGE else FORMATS[fmt][1])
        host = req.host.replace("127.0.0.1", "localhost") if faults.has("foreign-url") else req.host
        return {"url": f"http://{host}/openai/files/{name}"}

    @staticmethod
    def image_usage(prompt: str, quality: str, size: tuple[int, int], n: int) -> dict[str, Any]:
        text = words(prompt)
        output = round(GPT_IMAGE_QUALITIES[quality] * size[0] * size[1] / (1024 * 1024)) * n
        details = {"text_tokens": text, "image_tokens": 0}
        usage = {"input_tokens": text, "input_tokens_details": details, "output_tokens": output}
        return {**usage, "total_tokens": text + output}


def _encoded(vector: list[float], encoding: str) -> Any:
    return base64_floats(vector) if encoding == "base64" else vector
