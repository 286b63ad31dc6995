"""Images sent in chat messages: stored once by content (SHA-256), owner-checked, referenced from the
ledger.

The upstream gets the message as sent (the `data:` URI); the ledger row gets the same message with
each `data:` image replaced by MEDIA_PATH + its hash, which its owner can fetch
(playground.doors.media). A row thus stays small however large the images were, and the same image
sent again is not stored again.
"""

import base64
import copy
import hashlib
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from config.memo import Memo, require_io
from playground.generation.chat_shapes import refuse
from playground.models import ChatImage
from providers.messages import decode_data_uri, image_parts

MEDIA_PATH = "/api/v1/media/"
FOLDER = "chat-images"
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}


# (owner id, hash) of images this process has stored: an image sent again (every turn of a
# conversation resends it) costs no file or database access. Rows are never deleted while their
# owner exists, so a stale entry cannot point at nothing.
_stored: Memo[bool] = Memo("chat images stored", ttl=600)


def _store(owner: Any, media_type: str, data: bytes) -> str:
    """The image's hash, having stored its bytes (once) and its owner's claim to it."""
    sha = hashlib.sha256(data).hexdigest()
    if _stored.peek((owner.pk, sha)):
        return sha
    require_io()
    name = f"{FOLDER}/{sha}.{EXTENSIONS.get(media_type, 'bin')}"
    if not default_storage.exists(name):
        # Content-addressed: a concurrent save of the same bytes writes the same content.
        name = default_storage.save(name, ContentFile(data))
    # get_or_create survives a concurrent claim of the same image by the same owner (unique constraint).
    ChatImage.objects.get_or_create(
        owner=owner, sha256=sha, defaults={"media_type": media_type, "size": len(data), "file": name}
    )
    _stored.put((owner.pk, sha), True)
    return sha


def ledger_messages(messages: list[dict[str, Any]], owner: Any) -> list[dict[str, Any]]:
    """`messages` as the ledger keeps them: each `data:` image stored and replaced by its reference
    (`messages` itself when none holds one; never changed in place). A `data:` URI that is not base64
    image data is refused (400, naming its path)."""
    kept = messages  # copied at the first message that holds a data: image, else returned as it is
    for m_index, message in enumerate(messages):
        content = message.get("content")
        stored = [(i, image) for i, image in image_parts(content) if image["url"].startswith("data:")]
        if not stored:
            continue  # shared with `messages`, unchanged: only what holds a data: image is copied
        parts = list(content)
        for p_index, image in stored:
            decoded = decode_data_uri(image["url"])
            if decoded is None or not decoded[0].startswith("image/") or not decoded[1]:
                path = f"messages[{m_index}].content[{p_index}].image_url.url"
                raise refuse(path, f"{path} is not a base64 image data: URI.")
            reference = {**image, "url": MEDIA_PATH + _store(owner, *decoded)}
            parts[p_index] = {**parts[p_index], "image_url": reference}
        kept = list(messages) if kept is messages else kept
        kept[m_index] = {**message, "content": parts}
    return kept


def image_for(owner: Any, sha: str) -> ChatImage | None:
    """The image `owner` sent with this hash; None for anyone else's (or none)."""
    return ChatImage.objects.filter(owner=owner, sha256=sha).first()


def upstream_messages(messages: list[dict[str, Any]], owner: Any) -> list[dict[str, Any]]:
    """The ledger's `messages` as an upstream takes them again: each stored image reference of the
    owner's turned back into its `data:` URI (a reference to an image not theirs is refused)."""
    kept = copy.deepcopy(messages)
    for m_index, message in enumerate(kept):
        for p_index, image in image_parts(message.get("content")):
            if not image["url"].startswith(MEDIA_PATH):
                continue
            stored = image_for(owner, image["url"].removeprefix(MEDIA_PATH))
            if stored is None:
                raise refuse(f"messages[{m_index}].content[{p_index}]", "An image of this conversation is gone.")
            with stored.file.open("rb") as file:
                image["url"] = f"data:{stored.media_type};base64,{base64.b64encode(file.read()).decode()}"
    return kept
