"""Generated images: kept in media storage, owned by the user who asked, and reachable by others only
through a signed link that expires.

A link is `signing.dumps({"i": image id, "x": expiry})` under its own salt: it cannot be forged or
extended without SECRET_KEY, and it names one image. The API answers `url` with a short-lived link
(what OpenAI clients fetch, without credentials); the gallery's share links live longer. A picture
whose generation a moderator hid is no longer served through any link (its owner still sees it in
the gallery).
"""

from __future__ import annotations

import io
import time
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image, UnidentifiedImageError

from playground.models import GeneratedImage
from providers.base import ImageResult
from usage.models import Generation

SALT = "playground.image-link"
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}


@dataclass(frozen=True)
class StoredPicture:
    """A picture saved to storage, not yet tied to its ledger row."""

    name: str
    mime_type: str
    width: int | None
    height: int | None
    revised_prompt: str


def picture_size(data: bytes) -> tuple[int, int] | None:
    """Width and height read from the image's own header (Pillow reads no pixels for this)."""
    try:
        with Image.open(io.BytesIO(data)) as picture:
            return picture.size
    except (UnidentifiedImageError, OSError):
        return None


def pictures_save(*, user_id: int, result: ImageResult) -> list[StoredPicture]:
    """Write each picture to media storage under a random name."""
    stored = []
    for image in result.images:
        size = picture_size(image.data)
        name = f"images/{user_id}/{uuid.uuid4().hex}.{EXTENSIONS.get(image.mime_type, 'bin')}"
        saved = default_storage.save(name, ContentFile(image.data))
        width, height = size if size else (None, None)
        stored.append(StoredPicture(saved, image.mime_type, width, height, image.revised_prompt or ""))
    return stored


def pictures_discard(stored: list[StoredPicture]) -> None:
    for picture in stored:
        default_storage.delete(picture.name)


def pictures_erase(*, user_id: int) -> int:
    """Delete a user's pictures, files and rows (account deletion); returns how many there were."""
    pictures = GeneratedImage.objects.filter(user_id=user_id)
    for name in pictures.values_list("file", flat=True).iterator():
        default_storage.delete(name)
    return pictures.delete()[0]


def pictures_record(
    *, user_id: int, generation_id: uuid.UUID, model_slug: str, prompt: str, stored: list[StoredPicture]
) -> list[GeneratedImage]:
    rows = [
        GeneratedImage(
            user_id=user_id,
            generation_id=generation_id,
            model_slug=model_slug,
            prompt=prompt,
            revised_prompt=p.revised_prompt,
            file=p.name,
            mime_type=p.mime_type,
            width=p.width,
            height=p.height,
        )
        for p in stored
    ]
    return GeneratedImage.objects.bulk_create(rows)


# --- signed links --------------------------------------------------------------------------------


def link_token(image_id: uuid.UUID, *, seconds: int) -> str:
    return signing.dumps({"i": image_id.hex, "x": int(time.time()) + seconds}, salt=SALT, compress=False)


def link_path(image_id: uuid.UUID, *, seconds: int | None = None) -> str:
    """The site-relative signed URL of one image (API links by default; share links pass their lifetime)."""
    token = link_token(image_id, seconds=seconds or settings.IMAGE_LINK_SECONDS)
    return reverse("image-file", args=[token])


def image_for_token(token: str) -> GeneratedImage | None:
    """The image a link names, while the link is valid and its generation is not hidden; else None."""
    try:
        payload: Any = signing.loads(token, salt=SALT)
        image_id, expires = uuid.UUID(hex=payload["i"]), int(payload["x"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if expires < time.time():
        return None
    image = GeneratedImage.objects.filter(pk=image_id).first()
    if image is None or Generation.objects.filter(pk=image.generation_id, hidden=True).exists():
        return None
    return image
