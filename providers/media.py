"""The contract for the modalities beyond chat: embeddings and image generation.

Plain data, like the rest of the contract (re-exported by providers.base). Each door parses its own
wire format into these requests; each adapter translates them to its provider and back.

What the adapter hands back is always the same whatever the caller asked to see: vectors as floats
(the door renders base64 if the caller asked for it) and images as bytes (the gateway keeps them in
its own media storage and serves signed URLs, so an upstream's URL is fetched by the adapter).
"""

from __future__ import annotations

import array
import base64
import binascii
import sys
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from providers.results import Usage

# Fields each request types; anything else a door received lands in `extra` and is refused by name
# unless the provider's operator listed it in ProviderConfig.passthrough_fields.
EMBEDDING_FIELDS: tuple[str, ...] = ("model", "input", "dimensions", "encoding_format", "user")
IMAGE_FIELDS: tuple[str, ...] = (
    "model",
    "prompt",
    "n",
    "size",
    "quality",
    "background",
    "output_format",
    "response_format",
    "aspect_ratio",
    "user",
    "safety_identifier",
)
# Image formats the gateway stores and serves. Never SVG or HTML: the bytes are served from the
# gateway's own origin, where markup could run script.
IMAGE_TYPES: dict[str, str] = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp", "gif": "image/gif"}


@dataclass
class EmbeddingRequest:
    """One embeddings call. `inputs` is a list of texts or a list of token-id arrays, never mixed.

    `encoding_format` is how the caller wants the vectors rendered ("float" or "base64"); the adapter
    fetches whichever its upstream sends most cheaply and always returns floats, so it is never
    refused and never sent as the caller's choice.
    """

    model: str
    inputs: list[str] | list[list[int]]
    dimensions: int | None = None
    encoding_format: str | None = None
    user: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def token_input(self) -> bool:
        """True when the inputs are arrays of token ids rather than texts."""
        return bool(self.inputs) and not isinstance(self.inputs[0], str)

    @classmethod
    def from_openai(cls, body: dict[str, Any]) -> EmbeddingRequest:
        """Map an OpenAI embeddings body onto the typed fields, without validating it (the door does).

        `input` may be a string, a list of strings, one token array or a list of token arrays; the
        request always holds a list, in input order."""
        extra = {k: v for k, v in body.items() if k not in EMBEDDING_FIELDS}
        return cls(
            model=str(body.get("model") or ""),
            inputs=_input_list(body.get("input")),
            dimensions=body.get("dimensions"),
            encoding_format=body.get("encoding_format"),
            user=body.get("user"),
            extra=extra,
        )


def _input_list(raw: Any) -> Any:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, list) and raw and all(isinstance(x, int) and not isinstance(x, bool) for x in raw):
        return [raw]  # one token array is one input
    return raw if isinstance(raw, list) else []


@dataclass
class EmbeddingResult:
    """One vector per input, in input order. `usage.prompt_tokens` counts the inputs' tokens (there is
    no completion); `usage.estimated` is True when the upstream reported no count."""

    vectors: list[list[float]]
    usage: Usage
    model: str | None = None

    @property
    def dimensions(self) -> int:
        return len(self.vectors[0]) if self.vectors else 0


@dataclass
class ImageRequest:
    """One image-generation call, in OpenAI's vocabulary.

    `response_format` ("url" or "b64_json") is how the caller wants the result rendered; the adapter
    returns bytes either way, so it is never refused and never forwarded as the caller's choice.
    `aspect_ratio` is MiniMax's own field (e.g. "16:9"); the MiniMax adapter also derives it from
    `size`. Fields left None are not sent.
    """

    model: str
    prompt: str
    n: int | None = None
    size: str | None = None  # "1024x1024", or "auto"
    quality: str | None = None  # standard | hd (DALL-E 3), low | medium | high | auto (GPT image)
    background: str | None = None  # transparent | opaque | auto
    output_format: str | None = None  # png | jpeg | webp
    response_format: str | None = None
    aspect_ratio: str | None = None
    user: str | None = None
    safety_identifier: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return self.n or 1

    @classmethod
    def from_openai(cls, body: dict[str, Any]) -> ImageRequest:
        """Map an OpenAI images body onto the typed fields; everything else lands in `extra`."""
        values = {k: body[k] for k in IMAGE_FIELDS if k in body and k != "model"}
        extra = {k: v for k, v in body.items() if k not in IMAGE_FIELDS}
        values["prompt"] = str(values.get("prompt") or "")
        return cls(model=str(body.get("model") or ""), **values, extra=extra)


@dataclass
class GeneratedImage:
    data: bytes
    mime_type: str  # one of IMAGE_TYPES' values, read from the bytes themselves
    revised_prompt: str | None = None  # the prompt the upstream actually drew (DALL-E 3)


@dataclass
class ImageUsage:
    """What an image call consumed: the images delivered, and the tokens when the upstream reports
    them (GPT image models: `input_text_tokens` of prompt, `output_tokens` of image output)."""

    images: int
    input_tokens: int | None = None
    input_text_tokens: int | None = None
    input_image_tokens: int | None = None
    output_tokens: int | None = None
    reported_cost: Decimal | None = None


@dataclass
class ImageResult:
    images: list[GeneratedImage]
    usage: ImageUsage
    model: str | None = None
    upstream_id: str | None = None

    @property
    def revised_prompt(self) -> str | None:
        return next((i.revised_prompt for i in self.images if i.revised_prompt), None)


def sniff_image(data: bytes) -> str | None:
    """The MIME type of a raster image, read from its first bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return IMAGE_TYPES["png"]
    if data.startswith(b"\xff\xd8\xff"):
        return IMAGE_TYPES["jpeg"]
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return IMAGE_TYPES["webp"]
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return IMAGE_TYPES["gif"]
    return None


def floats_from_base64(text: str) -> list[float]:
    """An OpenAI base64 embedding (little-endian float32) as floats."""
    raw = base64.b64decode(text, validate=True)
    if len(raw) % 4:
        raise binascii.Error("not a whole number of float32 values")
    values = array.array("f", raw)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def floats_to_base64(vector: list[float]) -> str:
    """The inverse of floats_from_base64, for doors that render base64."""
    values = array.array("f", vector)
    if sys.byteorder == "big":
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode("ascii")
