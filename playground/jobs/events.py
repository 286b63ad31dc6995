"""`ai.task.completed` and `ai.task.failed`: what finished work tells the user's webhooks, in the
product spec's shape (`task_id`, `status`, then `result` with `choices` and `usage`, or `error`).

Sent for video jobs, for each item of a batch, and for REST generations asked with `"notify": true`.
"""

from typing import Any

from asgiref.sync import sync_to_async

from config.api.exceptions import ApiError
from config.money import money
from playground.generation import GenerationOutcome
from usage import events

TASK_COMPLETED = "ai.task.completed"
TASK_FAILED = "ai.task.failed"


def answer_result(out: GenerationOutcome, *, with_choices: bool = True) -> dict[str, Any]:
    """One answer as a task's `result`: the spec's `choices` (for a chat answer) and `usage`, and what it
    cost."""
    usage = out.usage
    result: dict[str, Any] = {
        "generation_id": str(out.generation_id),
        "model": out.model.slug,
        "usage": {
            "prompt_tokens": usage.prompt_tokens,
            "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens,
        },
        "cost": money(out.cost),
    }
    if with_choices:
        message = {"role": "assistant", "content": out.content}
        result["choices"] = [{"index": 0, "message": message, "finish_reason": out.finish_reason}]
    return result


def task_completed(*, user_id: int, task: dict[str, Any], result: dict[str, Any]) -> None:
    """`task` names the work (`task_id`, `type`, ...); sent once the surrounding transaction commits."""
    events.emit(TASK_COMPLETED, user_id=user_id, payload={**task, "status": "completed", "result": result})


def task_failed(*, user_id: int, task: dict[str, Any], error: str, code: str = "") -> None:
    payload = {**task, "status": "failed", "error": error}
    if code:
        payload["error_code"] = code
    events.emit(TASK_FAILED, user_id=user_id, payload=payload)


def wants_notify(body: dict[str, Any]) -> bool:
    """A REST body's `notify`: true, false or left out; anything else is refused by name."""
    notify = body.get("notify", False)
    if not isinstance(notify, bool):
        raise ApiError("VALIDATION_ERROR", "notify must be true or false.", {"notify": ["Must be a boolean."]})
    return notify


async def notify_completed(*, user_id: int, task: dict[str, Any], result: dict[str, Any]) -> None:
    await sync_to_async(task_completed)(user_id=user_id, task=task, result=result)


async def notify_failed(*, user_id: int, task: dict[str, Any], exc: ApiError) -> None:
    await sync_to_async(task_failed)(user_id=user_id, task=task, error=exc.message, code=exc.code)
