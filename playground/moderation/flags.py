"""Moderators' decisions: manual flags, hiding, and deciding the queue's items with a note."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from playground.models import Flag, FlagSource, FlagState
from usage.models import Generation


@transaction.atomic
def generation_flag(
    *, generation: Generation, by: Any, reason: str = "Flagged by a moderator", hide: bool = False
) -> Flag:
    """A manual flag; with `hide` the generation also leaves public pages at once."""
    if hide and not generation.hidden:
        generation.hidden = True
        generation.save(update_fields=["hidden"])
    return Flag.objects.create(generation=generation, reason=reason[:300], source=FlagSource.MANUAL, created_by=by)


def generation_set_hidden(*, generation: Generation, hidden: bool) -> None:
    Generation.objects.filter(pk=generation.pk).update(hidden=hidden)
    generation.hidden = hidden


@transaction.atomic
def flag_decide(*, flag: Flag, state: str, by: Any, note: str = "") -> Flag:
    """Record a decision. Actioned hides the generation; dismissing the last standing flag un-hides it."""
    if state not in FlagState.values or state == FlagState.OPEN:
        raise ValueError(f"Not a decision: {state!r}")
    flag.state = state
    flag.note = note
    flag.decided_by = by
    flag.decided_at = timezone.now()
    flag.save(update_fields=["state", "note", "decided_by", "decided_at"])
    generation = flag.generation
    if state == FlagState.ACTIONED:
        generation_set_hidden(generation=generation, hidden=True)
    elif state == FlagState.DISMISSED and not _standing_flags(generation).exists():
        generation_set_hidden(generation=generation, hidden=False)
    return flag


def _standing_flags(generation: Generation) -> Any:
    standing = [FlagState.OPEN, FlagState.ACTIONED, FlagState.ESCALATED]
    return Flag.objects.filter(generation=generation, state__in=standing)
