"""The arena's part of a user's data export and of account deletion."""

from typing import Any

from arena.models import Battle, BattleTurn, ShortlistEntry


def account_export(user: Any) -> dict[str, Any]:
    battles = Battle.objects.filter(user=user).prefetch_related("contestants", "turns").select_related("vote")
    return {
        "arena_battles": [
            {
                "id": str(b.pk),
                "category": b.category,
                "status": b.status,
                "created_at": b.created_at.isoformat(),
                "models": [c.model_slug for c in b.contestants.all()],
                "prompts": [t.prompt for t in b.turns.all()],
                "vote": _vote(b),
            }
            for b in battles.order_by("created_at").iterator(chunk_size=200)
        ],
        "arena_shortlist": list(ShortlistEntry.objects.filter(user=user).values_list("model__slug", flat=True)),
    }


def _vote(battle: Battle) -> dict[str, Any] | None:
    vote = getattr(battle, "vote", None)
    if vote is None:
        return None
    return {"choice": vote.choice, "ranking": vote.ranking, "voided": vote.is_void}


def account_erase(user: Any) -> None:
    """The prompts go; the votes stay, without them, so the leaderboards do not change under others."""
    BattleTurn.objects.filter(battle__user=user).update(prompt="")
    Battle.objects.filter(user=user).update(pending_prompts=[], replay_of=None)
    ShortlistEntry.objects.filter(user=user).delete()
