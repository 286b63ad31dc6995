"""What the adapters share for embeddings and images: reading vectors, checking image bytes, fetching
an image an upstream returned by URL, and local usage estimates.

Image URLs: the gateway keeps every image in its own storage, so a URL an upstream returns is
fetched here, through the one outbound HTTP module. A URL on the provider's own origin (a local
server that serves its results itself) is fetched like the provider, with its key; any other host
gets no credentials and goes through the guarded client, which refuses private, loopback and
link-local addresses at connect time, so an upstream cannot point the gateway at an internal
address. Redirects are not followed (a redirect could leave the checked origin). Only raster images
(PNG, JPEG, WebP, GIF) are accepted, whatever the Content-Type says: the bytes are later served from
the gateway's own origin, where SVG or HTML could run script.
"""

from __future__ import annotations

import array
import base64
import binascii
from typing import TYPE_CHECKING, Any

import httpx

from providers.base import RETRYABLE_KINDS, GeneratedImage, ProviderError, Usage
from providers.errors import http_error, protocol_error
from providers.http import BlockedAddress, shared_async_client
from providers.media import floats_from_base64, sniff_image
from providers.retry import call_with_retries
from providers.tokens import estimate_tokens

if TYPE_CHECKING:
    from providers.adapters._http import HTTPAdapter

MAX_IMAGE_BYTES = 50 * 1024 * 1024  # well above any generated image; a bound on a hostile reply


def image_from_bytes(provider: str, data: bytes, revised_prompt: str | None = None) -> GeneratedImage:
    mime = sniff_image(data)
    if mime is None:
        raise protocol_error(provider, f"not a raster image: {data[:40]!r}", "The provider did not return an image.")
    return GeneratedImage(data, mime, revised_prompt)


def image_from_base64(provider: str, text: Any, revised_prompt: str | None = None) -> GeneratedImage:
    try:
        data = base64.b64decode(str(text), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise protocol_error(provider, f"bad base64 image: {str(text)[:40]!r}") from exc
    return image_from_bytes(provider, data, revised_prompt)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return url.scheme, url.host, url.port


async def fetch_image(adapter: HTTPAdapter, url: str, revised_prompt: str | None = None) -> GeneratedImage:
    """The image at `url` (or in a data: URL), read whole, with the adapter's retries and timeouts."""
    if url.startswith("data:"):
        header, _, payload = url[5:].partition(",")
        if not header.endswith(";base64"):
            raise protocol_error(adapter.name, f"unexpected data URL: {url[:60]!r}")
        return image_from_base64(adapter.name, payload, revised_prompt)
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise protocol_error(adapter.name, f"bad image URL: {url[:200]!r}") from exc
    if target.scheme not in ("http", "https"):
        raise protocol_error(adapter.name, f"image URL scheme {target.scheme!r}: {url[:200]!r}")
    own = _origin(target) == _origin(httpx.URL(adapter.config.base_url))
    client = adapter.client if own else shared_async_client(allow_private=False)
    headers = {k: v for k, v in adapter.headers().items() if k != "Content-Type"} if own else {}

    async def attempt() -> bytes:
        try:
            async with client.stream("GET", target, headers=headers, timeout=adapter.timeout) as response:
                if response.status_code >= 400:
                    raise _download_error(adapter.name, response, await response.aread())
                if response.status_code != 200:  # a redirect, which is not followed
                    raise protocol_error(adapter.name, f"image URL answered {response.status_code}: {url[:200]}")
                return await _read_limited(adapter.name, response)
        except BlockedAddress as exc:
            message = "The provider returned an image at an address the gateway does not fetch from."
            raise ProviderError("protocol", message, provider=adapter.name, retryable=False, detail=str(exc)) from exc

    data = await call_with_retries(adapter.config, adapter.name, attempt)
    return image_from_bytes(adapter.name, data, revised_prompt)


def _download_error(provider: str, response: httpx.Response, body: bytes) -> ProviderError:
    """A failed download: retried when the status says a retry may help; otherwise the image is lost
    (expired or missing), which is the upstream's failure, not the caller's request."""
    error = http_error(provider, response, body)
    if error.kind in RETRYABLE_KINDS:
        return error
    detail = f"image download answered {response.status_code}: {error.detail}"
    return protocol_error(provider, detail, "The provider's image could not be downloaded.")


async def _read_limited(provider: str, response: httpx.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_IMAGE_BYTES:
            raise protocol_error(provider, f"image larger than {MAX_IMAGE_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def openai_vectors(provider: str, payload: Any, expected: int) -> list[list[float]]:
    """`data[].embedding` of an OpenAI-shaped reply, float lists or base64, put back in input order."""
    try:
        items = sorted(payload["data"], key=lambda item: int(item.get("index", 0)))
        vectors = [_vector(item["embedding"]) for item in items]
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
        raise protocol_error(provider, f"no embeddings in reply: {str(payload)[:200]}") from exc
    return checked_vectors(provider, vectors, expected)


def _vector(raw: Any) -> list[float]:
    if isinstance(raw, str):
        return floats_from_base64(raw)
    if isinstance(raw, list):
        # array() checks and converts in C: a tenth of the time of a Python loop over 1536 numbers.
        return array.array("d", raw).tolist()  # TypeError for anything but numbers
    raise ValueError("an embedding is neither a list of numbers nor base64")


def number_vectors(provider: str, raw: Any) -> list[list[float]]:
    """A JSON list of lists of numbers as vectors of floats; anything else is a protocol error."""
    try:
        return [_vector(v) if isinstance(v, list) else _not_a_vector(v) for v in raw]
    except (TypeError, ValueError) as exc:
        raise protocol_error(provider, f"no embeddings in reply: {str(raw)[:200]}") from exc


def _not_a_vector(value: Any) -> list[float]:
    raise ValueError(f"not a vector: {str(value)[:60]}")


def checked_vectors(provider: str, vectors: list[list[float]], expected: int) -> list[list[float]]:
    """The vectors, if there is one per input and all have the same length."""
    if len(vectors) != expected:
        raise protocol_error(provider, f"{len(vectors)} embeddings for {expected} inputs")
    if not vectors or not vectors[0] or any(len(v) != len(vectors[0]) for v in vectors):
        raise protocol_error(provider, "embeddings of different or zero length")
    return vectors


def estimated_embedding_usage(inputs: list[str] | list[list[int]]) -> Usage:
    """Tokens counted locally (token arrays exactly, texts at about four characters a token)."""
    tokens = sum(len(i) if isinstance(i, list) else estimate_tokens(i) for i in inputs)
    return Usage(tokens, 0, tokens, estimated=True)


def parse_size(size: str | None) -> tuple[int, int] | None:
    """(width, height) of a "WIDTHxHEIGHT" size; None for no size or "auto"."""
    if size is None or size == "auto":
        return None
    width, sep, height = size.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()) or int(width) < 1 or int(height) < 1:
        raise ValueError(f"not a size: {size!r}")
    return int(width), int(height)


def valid_size(size: str | None) -> bool:
    try:
        parse_size(size)
    except ValueError:
        return False
    return True
