"""The playground's part of a user's data export and of account deletion."""

from typing import Any

from config.money import money
from playground import image_store
from playground.models import Conversation, GeneratedImage, Preset
from usage.models import Generation


def account_export(user: Any) -> dict[str, Any]:
    conversations = Conversation.objects.filter(owner=user).order_by("created_at")
    generations = Generation.objects.filter(user=user).order_by("created_at")
    return {
        "conversations": [
            {"id": str(c.pk), "title": c.title, "system_prompt": c.system_prompt, "models": c.models,
             "created_at": c.created_at.isoformat(), "shared": bool(c.share_id)}
            for c in conversations.iterator()
        ],
        "generations": [
            {"id": str(g.pk), "conversation": str(g.conversation_id) if g.conversation_id else None,
             "model": g.model_slug, "door": g.door, "status": g.status, "input_messages": g.input_messages,
             "content": g.content, "prompt_tokens": g.prompt_tokens, "completion_tokens": g.completion_tokens,
             "cost": money(g.cost), "created_at": g.created_at.isoformat()}
            for g in generations.iterator()
        ],
        "presets": list(Preset.objects.filter(user=user).values("name", "params")),
        "images": [
            {"id": str(i.pk), "generation": str(i.generation_id), "model": i.model_slug, "prompt": i.prompt,
             "mime_type": i.mime_type, "width": i.width, "height": i.height, "created_at": i.created_at.isoformat()}
            for i in GeneratedImage.objects.filter(user=user).order_by("created_at").iterator()
        ],
    }  # fmt: skip


def account_erase(user: Any) -> None:
    """Generations stay, without their text or where they came from, so platform totals stay right;
    conversations, presets and generated pictures (their files too) go."""
    anonymous = {"conversation": None, "input_messages": [], "content": "", "ip": None, "user_agent": ""}
    Generation.objects.filter(user=user).update(**anonymous)
    Conversation.objects.filter(owner=user).delete()
    Preset.objects.filter(user=user).delete()
    image_store.pictures_erase(user_id=user.pk)
