"""The demo provider's images: real pictures drawn locally with Pillow from the prompt.

Everything comes from a hash of the model, the prompt and the image's index: the palette, a background
gradient, translucent shapes, and the prompt itself written across the foot of the picture. The same
prompt gives the same image; another prompt, another model, or another of the n images, a different one. "hd" draws
three times the shapes plus a fine grid. A transparent background leaves the canvas clear and draws
only the shapes and the text.

- "sketch": any size from 16x16 to 2048x2048 ("auto" is 512x512), one flat price.
- "canvas": the sizes of its price table, 256x256, 512x512 and 1024x1024 ("auto" is 1024x1024),
  quality standard or hd.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import random
import textwrap
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont


@dataclass(frozen=True)
class ImageModel:
    default_size: tuple[int, int]
    sizes: frozenset[tuple[int, int]] | None  # None: any size within MIN_SIDE..MAX_SIDE
    price: str  # the catalog's headline price per standard image


IMAGE_MODELS: dict[str, ImageModel] = {
    "sketch": ImageModel((512, 512), None, "0.01"),
    "canvas": ImageModel((1024, 1024), frozenset({(256, 256), (512, 512), (1024, 1024)}), "0.02"),
}
MIN_SIDE, MAX_SIDE = 16, 2048
QUALITIES = frozenset({"standard", "hd", "auto"})
FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
MAX_IMAGES = 10


def size_allowed(model: ImageModel, size: tuple[int, int]) -> bool:
    if model.sizes is not None:
        return size in model.sizes
    return all(MIN_SIDE <= side <= MAX_SIDE for side in size)


@lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, TypeError):  # Pillow built without FreeType: the fixed bitmap font
        return ImageFont.load_default()


def _palette(rng: random.Random) -> list[tuple[int, int, int]]:
    hue = rng.random()
    colours = []
    for step in range(5):
        h = (hue + step * rng.uniform(0.08, 0.3)) % 1.0
        r, g, b = colorsys.hsv_to_rgb(h, rng.uniform(0.35, 0.85), rng.uniform(0.45, 0.95))
        colours.append((int(r * 255), int(g * 255), int(b * 255)))
    return colours


def draw(model: str, prompt: str, index: int, size: tuple[int, int], *, hd: bool, transparent: bool, fmt: str) -> bytes:
    """Picture `index` of `model` for `prompt`, encoded as `fmt` (png, jpeg or webp)."""
    seed = int.from_bytes(hashlib.blake2b(f"{model}\0{index}\0{prompt}".encode(), digest_size=8).digest(), "little")
    rng = random.Random(seed)
    colours = _palette(rng)
    width, height = size
    image = Image.new("RGBA" if transparent else "RGB", size, (0, 0, 0, 0) if transparent else colours[0])
    pen = ImageDraw.Draw(image, "RGBA")
    if not transparent:
        _gradient(pen, width, height, colours[0], colours[1])
    if hd:
        _grid(pen, width, height, colours[4], rng)
    for _ in range(18 if hd else 6):
        _shape(pen, width, height, colours[rng.randrange(2, 5)], rng)
    _caption(pen, prompt, width, height)
    out = io.BytesIO()
    if fmt == "jpeg" and image.mode != "RGB":
        image = image.convert("RGB")
    image.save(out, FORMATS[fmt], **({"compress_level": 3} if fmt == "png" else {"quality": 85}))
    return out.getvalue()


def _gradient(pen: ImageDraw.ImageDraw, width: int, height: int, top: tuple, bottom: tuple) -> None:
    for y in range(height):
        t = y / max(1, height - 1)
        pen.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))


def _grid(pen: ImageDraw.ImageDraw, width: int, height: int, colour: tuple, rng: random.Random) -> None:
    step = max(4, min(width, height) // rng.randrange(12, 24))
    for x in range(0, width, step):
        pen.line([(x, 0), (x, height)], fill=(*colour, 60))
    for y in range(0, height, step):
        pen.line([(0, y), (width, y)], fill=(*colour, 60))


def _shape(pen: ImageDraw.ImageDraw, width: int, height: int, colour: tuple, rng: random.Random) -> None:
    x, y = rng.uniform(0, width), rng.uniform(0, height)
    radius = rng.uniform(0.05, 0.3) * min(width, height)
    fill = (*colour, rng.randrange(110, 220))
    kind = rng.randrange(3)
    if kind == 0:
        pen.ellipse([x - radius, y - radius, x + radius, y + radius], fill=fill)
    elif kind == 1:
        pen.rectangle([x - radius, y - radius * 0.6, x + radius, y + radius * 0.6], fill=fill)
    else:
        pen.regular_polygon((x, y, radius), rng.randrange(3, 7), rotation=rng.uniform(0, 360), fill=fill)


def _caption(pen: ImageDraw.ImageDraw, prompt: str, width: int, height: int) -> None:
    font_size = max(8, min(width, height) // 18)
    font = _font(font_size)
    chars_per_line = max(8, int(width / (font_size * 0.55)))
    lines = textwrap.wrap(" ".join(prompt.split()), chars_per_line)[:3] or [""]
    band = (font_size + 4) * len(lines) + 8
    pen.rectangle([0, height - band, width, height], fill=(0, 0, 0, 140))
    for i, line in enumerate(lines):
        pen.text((6, height - band + 4 + i * (font_size + 4)), line, fill=(255, 255, 255, 255), font=font)
