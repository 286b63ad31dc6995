"""A battle turn's event stream: the playground's runner (playground.doors.sse) with the names kept back.

Like a playground turn it runs detached from the page (playground.pages.live.run_once): a reload or a
lost connection reads on from the turn's log, and only Stop cancels an answer.

Every hidden model answers through the one generation path (admission, quotas, metering, Stop), and
the events speak of slots ("A", "B") only: no model name, no fallback that answered, no cost or time,
which would give the model away before the vote. Each answer is recorded on the battle before its
model's stream is declared finished, so the vote is possible as soon as the last `status` arrives.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from asgiref.sync import sync_to_async

from arena.models import AnswerStatus
from arena.services import answer_record
from config.api.exceptions import ApiError
from playground.doors.sse import answer_events, merge_model_events, status_event
from playground.generation import GenerationInput, GenerationStream, Origin, generation_stream
from usage.models import Door

logger = logging.getLogger(__name__)
Stopped = Callable[[], Awaitable[bool]]
FINAL = {"done": AnswerStatus.SUCCESS, "error": AnswerStatus.ERROR, "cancelled": AnswerStatus.CANCELLED}
# What an error event may say about a hidden model: the code, and words that do not name it.
BLIND_ERRORS = {
    "QUOTA_EXCEEDED": "Your quota is used up.",
    "RATE_LIMIT_EXCEEDED": "Too many requests; try again shortly.",
}


def blind(event: dict[str, Any]) -> dict[str, Any] | None:
    """The event as the page may see it before the vote (None: not sent at all)."""
    kind = event.get("type")
    if kind in ("chunk", "status"):
        return event
    if kind == "error":
        message = BLIND_ERRORS.get(event.get("code", ""), "This model could not answer.")
        return {"type": "error", "model": event["model"], "code": event.get("code"), "message": message}
    return None  # metrics name the model that answered and its price: revealed after the vote


def turn_input(origin: Origin, pending: dict[str, Any], label: str) -> GenerationInput:
    return GenerationInput(
        model=pending["slots"][label], messages=pending["messages"][label], params={}, turn=pending["turn"],
        **origin.fields(),
    )  # fmt: skip


async def run_contestant(
    inp: GenerationInput, label: str, answer_id: int, queue: asyncio.Queue, stopped: Stopped
) -> None:
    """One hidden model's answer: blind events on the queue, the answer recorded, then None."""
    stream: GenerationStream | None = None
    final = "error"
    await queue.put(status_event(label, "queued"))
    try:
        stream = await generation_stream(inp)
        await queue.put(status_event(label, "streaming"))
        async with contextlib.aclosing(answer_events(stream, label, stopped)) as events:
            async for event in events:
                if event.get("type") == "status":
                    final = event["status"]
                    continue  # sent once the answer is recorded
                if (shown := blind(event)) is not None:
                    await queue.put(shown)
    except ApiError as exc:  # refused, or failed before the first byte
        await queue.put(blind({"type": "error", "model": label, "code": exc.code}))
    except asyncio.CancelledError:
        final = "cancelled"
        raise
    except Exception:
        logger.exception("arena answer failed", extra={"slot": label})
        await queue.put(blind({"type": "error", "model": label, "code": "SERVER_ERROR"}))
    finally:
        outcome = stream.outcome if stream is not None else None
        record = sync_to_async(answer_record)(
            answer_id=answer_id,
            status=FINAL.get(final, AnswerStatus.ERROR),
            generation_id=outcome.generation_id if outcome is not None else None,
        )
        await asyncio.shield(record)
        await queue.put(status_event(label, final))
        await queue.put(None)


def turn_events(user: Any, pending: dict[str, Any], stop_check: Callable[[str], Stopped]) -> AsyncIterator[bytes]:
    origin = Origin(user=user, door=Door.PLAYGROUND, ip=pending["ip"], user_agent=pending["user_agent"])

    def start(queue: asyncio.Queue) -> list[asyncio.Task]:
        return [
            asyncio.create_task(
                run_contestant(turn_input(origin, pending, label), label, answer_id, queue, stop_check(label))
            )
            for label, answer_id in pending["answers"].items()
        ]

    return merge_model_events(
        start,
        session={"type": "session", "battle_id": pending["battle_id"], "slots": sorted(pending["answers"])},
        done={"type": "done"},  # the runner (playground.pages.live) writes the last `done` itself
        conversation_id=None,  # a battle is not a playground conversation: its totals are on the ledger
    )
