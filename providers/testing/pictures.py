"""What the fakes send back for embeddings and images: deterministic vectors and real small pictures.

Vectors: a unit vector from a hash of the model and the input (text, or token ids), its components
rounded to float32, so that the float and base64 renderings of one vector decode to the same numbers.
Pictures: a solid colour from a hash of the prompt and the image's index, at the requested size, in
the requested format (real PNG/JPEG/WebP bytes, which tests decode with Pillow).
"""

from __future__ import annotations

import array
import base64
import hashlib
import io
import math
import sys
from typing import Any

from PIL import Image

HTML_PAGE = b"<!doctype html><html><body><script>alert(1)</script>not an image</body></html>"
FORMATS = {"png": ("PNG", "image/png"), "jpeg": ("JPEG", "image/jpeg"), "webp": ("WEBP", "image/webp")}


def fake_vector(model: str, item: Any, dimensions: int) -> list[float]:
    """The fake's embedding of `item` (a string or a list of token ids) by `model`."""
    seed = f"{model}\n{item!r}".encode()
    stream = b""
    counter = 0
    while len(stream) < dimensions * 2:
        stream += hashlib.sha256(seed + counter.to_bytes(4, "little")).digest()
        counter += 1
    raw = [(int.from_bytes(stream[i * 2 : i * 2 + 2], "little") / 32767.5) - 1.0 for i in range(dimensions)]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return array.array("f", [x / norm for x in raw]).tolist()  # float32 values


def shortened(vector: list[float], dimensions: int) -> list[float]:
    """The first `dimensions` components, normalised again (how text-embedding-3 shortens)."""
    head = vector[:dimensions]
    norm = math.sqrt(sum(x * x for x in head)) or 1.0
    return array.array("f", [x / norm for x in head]).tolist()


def base64_floats(vector: list[float]) -> str:
    values = array.array("f", vector)
    if sys.byteorder == "big":
        values.byteswap()
    return base64.b64encode(values.tobytes()).decode()


def colour_for(prompt: str, index: int) -> tuple[int, int, int]:
    digest = hashlib.sha256(f"{index}\n{prompt}".encode()).digest()
    return digest[0], digest[1], digest[2]


def picture(prompt: str, index: int, size: tuple[int, int], fmt: str = "png", transparent: bool = False) -> bytes:
    """A solid-colour picture, different for each prompt and index."""
    colour = colour_for(prompt, index)
    image = Image.new("RGBA", size, (*colour, 0)) if transparent else Image.new("RGB", size, colour)
    out = io.BytesIO()
    image.save(out, FORMATS[fmt][0])
    return out.getvalue()


def words(text: str) -> int:
    return len(str(text).split())
