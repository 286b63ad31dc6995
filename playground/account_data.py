"""The playground's part of a user's data export and of account deletion."""

from typing import Any

from django.db.models import Value
from django.db.models.functions import Coalesce, TruncDay
from django.utils import timezone

from accounts.hooks import ExportSection
from config.money import money
from playground import image_store
from playground.models import Conversation, GeneratedImage, Preset
from usage.models import Generation


def account_export(user: Any) -> dict[str, Any]:
    """Conversations and generations as sections read in chunks (an account can hold millions)."""
    conversations = Conversation.objects.filter(owner=user).order_by("created_at")
    generations = Generation.objects.filter(user=user).order_by("created_at")
    return {
        "conversations": ExportSection(conversations.count(), (
            {"id": str(c.pk), "title": c.title, "system_prompt": c.system_prompt, "models": c.models,
             "settings": c.settings, "created_at": c.created_at.isoformat(), "shared": bool(c.share_id)}
            for c in conversations.iterator(chunk_size=2000)
        )),
        "generations": ExportSection(generations.count(), (
            {"id": str(g.pk), "conversation": str(g.conversation_id) if g.conversation_id else None,
             "model": g.model_slug, "door": g.door, "status": g.status, "input_messages": g.input_messages,
             "content": g.content, "prompt_tokens": g.prompt_tokens, "completion_tokens": g.completion_tokens,
             "cost": money(g.cost), "created_at": g.created_at.isoformat(),
             "removed": g.removed_at is not None}
            for g in generations.iterator(chunk_size=2000)
        )),
        "presets": list(Preset.objects.filter(user=user).values("name", "params")),
        "images": [
            {"id": str(i.pk), "generation": str(i.generation_id), "model": i.model_slug, "prompt": i.prompt,
             "mime_type": i.mime_type, "width": i.width, "height": i.height, "created_at": i.created_at.isoformat()}
            for i in GeneratedImage.objects.filter(user=user).order_by("created_at").iterator()
        ],
    }  # fmt: skip


# What erasure keeps of a generation: the money facts (tokens, cost, model, door, status, and the day,
# not the moment). The rest is content or identity and goes.
_ERASED = {
    "input_messages": [], "parameters": {}, "content": "", "error_message": "", "upstream_id": "",
    "ip": None, "user_agent": "",
}  # fmt: skip


def account_erase(user: Any) -> None:
    """Generations stay as anonymous billing records, so usage and platform totals stay right; the text
    of conversations goes, and presets go. Conversations are emptied and marked deleted rather than
    deleted, so a row still queued behind a response can be stored (and billed) after this."""
    now = timezone.now()
    Generation.objects.filter(user=user).update(
        **_ERASED, created_at=TruncDay("created_at"), removed_at=Coalesce("removed_at", Value(now))
    )
    Conversation.all_objects.filter(owner=user).update(
        deleted_at=Coalesce("deleted_at", Value(now)), title="", system_prompt="", share_id=None, models=[],
        settings={},
    )
    Preset.objects.filter(user=user).delete()
    image_store.pictures_erase(user_id=user.pk)
