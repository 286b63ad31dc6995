"""Avatars. An upload is judged by what Pillow reads in it, not by its name or content type: JPEG, PNG
or WebP, within a size and a pixel budget. It is turned upright, cropped to a square, resized to
256x256 and re-encoded as WebP, so nothing of the original file (EXIF and GPS, text chunks, colour
profiles, trailing bytes) is kept. The result is stored in the default storage under a random name
and served by `avatar_file` with its content type, whatever serves (or does not serve) MEDIA_URL.
"""

import io
import re
import secrets
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import User

SIZE = 256
FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_PIXELS = 40_000_000  # a 40 MP photo decodes to ~160 MB; anything larger is refused from its header
FOLDER = "avatars"
NAME = re.compile(r"^[0-9a-f]{32}\.webp$")
_UNREADABLE = (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


class AvatarRefused(Exception):
    """The upload is not an image we take; the message says why, for the person uploading it."""


def too_large_message() -> str:
    return f"The image must be at most {filesizeformat(settings.AVATAR_MAX_BYTES)}.".replace("\xa0", " ")


def avatar_image(upload: IO[bytes], size: int) -> bytes:
    """The upload as a clean SIZE x SIZE WebP, or AvatarRefused."""
    if size > settings.AVATAR_MAX_BYTES:
        raise AvatarRefused(too_large_message())
    try:
        with Image.open(upload) as original:
            _check(original)
            return _reencode(original)
    except _UNREADABLE:
        raise AvatarRefused("The file is not a JPEG, PNG or WebP image that can be read.") from None


def _check(image: Image.Image) -> None:
    if image.format not in FORMATS:
        raise AvatarRefused("Upload a JPEG, PNG or WebP image.")
    if image.width * image.height > MAX_PIXELS:
        raise AvatarRefused(f"The image has more than {MAX_PIXELS // 1_000_000} million pixels.")


def _reencode(original: Image.Image) -> bytes:
    if original.format == "JPEG":
        original.draft("RGB", (SIZE * 2, SIZE * 2))  # decode a big photo at reduced scale: far less memory
    upright = ImageOps.exif_transpose(original)
    has_alpha = "A" in upright.getbands() or "transparency" in upright.info
    square = ImageOps.fit(upright.convert("RGBA" if has_alpha else "RGB"), (SIZE, SIZE), Image.Resampling.LANCZOS)
    square.info = {}  # nothing of the original travels on, even if an encoder would copy it
    buffer = io.BytesIO()
    square.save(buffer, "WEBP", quality=85, method=4)
    return buffer.getvalue()


@transaction.atomic
def avatar_set(*, user: User, image: bytes) -> None:
    """Store an image made by `avatar_image` as the user's avatar; the previous file goes once committed."""
    name = default_storage.save(f"{FOLDER}/{secrets.token_hex(16)}.webp", ContentFile(image))
    _replace(user, name)


def avatar_remove(*, user: User) -> None:
    if user.avatar:
        _replace(user, "")


def _replace(user: User, name: str) -> None:
    previous = user.avatar.name
    user.avatar.name = name
    user.save(update_fields=["avatar", "updated_at"])
    if previous:
        transaction.on_commit(lambda: default_storage.delete(previous))


def avatar_file(name: str) -> bytes | None:
    """The stored avatar of that name, or None (an unknown or malformed name reads nothing)."""
    if not NAME.match(name):
        return None
    path = f"{FOLDER}/{name}"
    try:
        with default_storage.open(path, "rb") as stored:
            return stored.read()
    except FileNotFoundError:
        return None
