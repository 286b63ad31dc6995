"""Batch runs: many prompts to one model, each item through the one generation path.

The model's kind decides what an item is: a chat prompt (`generation_run`), a text to embed
(`embeddings_run`; the item keeps its vector for the results) or an image prompt (`images_run`; the
pictures are kept in media storage and listed in the results with signed links).

Every item is an ordinary generation: it is admitted on its own, so the caller's
per-minute limit, quotas and budget apply per item, and an item over quota fails alone with the
reason. At most BATCH_CONCURRENCY workers (task chains) work on one batch; each claims the next item
with a conditional update, so two workers never take the same item, and an item whose worker died is
taken again once its claim is older than ITEM_LEASE.
"""

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from asgiref.sync import async_to_sync
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import ModelKind
from catalog.selectors import model_resolve
from config.api.exceptions import ApiError
from config.money import money
from playground.generation import GenerationInput, GenerationOutcome, Origin, generation_run
from playground.generation.inputs import batch_input, batch_parameters_unknown
from playground.generation.media import embeddings_run, images_run, media_validate
from playground.generation.params import invalid, refuse_unusable, validate_params
from playground.image_store import link_path
from playground.jobs.events import answer_result, task_completed, task_failed
from playground.models import BatchItem, BatchItemStatus, BatchRun, BatchStatus, GeneratedImage
from providers.media import EmbeddingRequest, ImageRequest
from usage import events
from usage.models import Door

logger = logging.getLogger(__name__)

BATCH_COMPLETED = "ai.batch.completed"
MAX_PROMPT_CHARS = 100_000
# An item held longer than this by a worker that stopped reporting is given to another worker.
ITEM_LEASE = timedelta(minutes=10)
# A rate-limited item waits for the window and is tried again, this many times at most.
MAX_ITEM_ATTEMPTS = 5
# What `parameters` may hold for a batch of each kind besides chat (chat: the sampling parameters).
MEDIA_PARAMETERS = {
    ModelKind.EMBEDDING: frozenset({"dimensions"}),
    ModelKind.IMAGE: frozenset({"n", "size", "quality", "background", "output_format"}),
}


@dataclass
class BatchInput:
    user: Any
    model: Any
    prompts: Any
    parameters: Any = None
    api_key_id: int | None = None


def _prompts(raw: Any) -> list[str]:
    limit = settings.BATCH_MAX_PROMPTS
    if not isinstance(raw, list) or not raw:
        raise invalid("prompts", "prompts must be a non-empty list of strings.")
    if len(raw) > limit:
        raise invalid("prompts", f"A batch may hold at most {limit} prompts.")
    if not all(isinstance(p, str) and p.strip() for p in raw):
        raise invalid("prompts", "Every prompt must be a non-empty string.")
    if any(len(p) > MAX_PROMPT_CHARS for p in raw):
        raise invalid("prompts", f"A prompt may be at most {MAX_PROMPT_CHARS} characters.")
    return list(raw)


def _parameters(raw: Any, kind: str) -> dict[str, Any]:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise invalid("parameters", "parameters must be an object.")
    allowed = MEDIA_PARAMETERS.get(kind)
    if unknown := sorted(set(raw) - allowed) if allowed else batch_parameters_unknown(raw):
        raise invalid("parameters", f"Unknown parameters: {', '.join(unknown)}.")
    if "system" in raw and not isinstance(raw["system"], str):
        raise invalid("parameters", "system must be a string.")
    return dict(raw)


def _origin(batch: BatchRun) -> Origin:
    return Origin(user=batch.user, door=Door.BATCH, api_key_id=batch.api_key_id)


def _item_input(batch: BatchRun, prompt: str) -> GenerationInput:
    return batch_input(_origin(batch), batch.model_slug, batch.parameters, prompt)


def _media_request(batch: BatchRun, prompt: str) -> EmbeddingRequest | ImageRequest:
    if batch.kind == ModelKind.EMBEDDING:
        return EmbeddingRequest(model=batch.model_slug, inputs=[prompt], dimensions=batch.parameters.get("dimensions"))
    return ImageRequest(model=batch.model_slug, prompt=prompt, **batch.parameters)


def batch_submit(*, inp: BatchInput) -> BatchRun:
    """Validate and record a batch; its workers start when the transaction commits."""
    model = refuse_unusable(model_resolve(str(inp.model or "")), str(inp.model or ""))
    if model.kind == ModelKind.VIDEO:
        raise invalid("model", f"'{model.slug}' makes videos: submit them as video jobs (POST /api/v1/ai/video).")
    prompts = _prompts(inp.prompts)
    parameters = _parameters(inp.parameters, model.kind)
    batch = BatchRun(
        user=inp.user, api_key_id=inp.api_key_id, model_slug=model.slug, kind=model.kind, parameters=parameters
    )
    # The parameters are checked once here, so a bad one is a 400 rather than 1000 failed items.
    if model.kind == ModelKind.CHAT:
        validate_params(_item_input(batch, prompts[0]), model)
    else:
        media_validate(_origin(batch), _media_request(batch, prompts[0]))
    with transaction.atomic():
        batch.total = len(prompts)
        batch.save()
        BatchItem.objects.bulk_create(BatchItem(batch=batch, index=i, prompt=p) for i, p in enumerate(prompts))
        workers = min(settings.BATCH_CONCURRENCY, len(prompts))
        transaction.on_commit(lambda: _start_workers(batch.pk, workers))
    return batch


def _start_workers(batch_id: uuid.UUID, count: int) -> None:
    from playground.jobs import tasks

    for _ in range(count):
        tasks.batch_work.delay(str(batch_id))


# --- the workers -----------------------------------------------------------------------------------


def batch_work(*, batch_id: Any, seconds: float) -> float | None:
    """Work through items for about `seconds`. Returns the delay before this worker should continue
    (0 when its time slice ran out, the wait when rate-limited), or None when no item is left for it."""
    batch = BatchRun.objects.select_related("user").filter(pk=batch_id).first()
    if batch is None or batch.status == BatchStatus.COMPLETED:
        return None
    BatchRun.objects.filter(pk=batch.pk, status=BatchStatus.QUEUED).update(status=BatchStatus.RUNNING)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        item = _claim_item(batch)
        if item is None:
            _finish_if_done(batch.pk)
            return None
        wait = _run_item(batch, item)
        if wait is not None:
            return wait
    return 0.0


def _claim_item(batch: BatchRun) -> BatchItem | None:
    stale = timezone.now() - ITEM_LEASE
    open_items = Q(status=BatchItemStatus.QUEUED) | Q(status=BatchItemStatus.RUNNING, claimed_at__lt=stale)
    for _ in range(20):  # another worker may win the item we picked; then pick again
        item = BatchItem.objects.filter(open_items, batch=batch).order_by("index").first()
        if item is None:
            return None
        claimed = BatchItem.objects.filter(pk=item.pk, status=item.status, claimed_at=item.claimed_at).update(
            status=BatchItemStatus.RUNNING, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
        if claimed:
            item.attempts += 1
            item.batch = batch  # already loaded: the item's events read it
            return item
    return None


async def _generate(batch: BatchRun, prompt: str) -> tuple[GenerationOutcome, str]:
    """One item through the path for its kind: the outcome, and what the item keeps as its content."""
    # The loop's shared clients close with the loop.
    if batch.kind == ModelKind.EMBEDDING:
        request = _media_request(batch, prompt)
        assert isinstance(request, EmbeddingRequest)
        embedded, _ = await embeddings_run(_origin(batch), request)
        return embedded.outcome, json.dumps(embedded.vectors[0])
    if batch.kind == ModelKind.IMAGE:
        request = _media_request(batch, prompt)
        assert isinstance(request, ImageRequest)
        drawn, _ = await images_run(_origin(batch), request)
        return drawn.outcome, ""
    outcome, _ = await generation_run(_item_input(batch, prompt))
    return outcome, outcome.content


def _run_item(batch: BatchRun, item: BatchItem) -> float | None:
    try:
        outcome, content = async_to_sync(_generate)(batch, item.prompt)
    except ApiError as exc:
        if exc.code == "RATE_LIMIT_EXCEEDED" and item.attempts < MAX_ITEM_ATTEMPTS:
            # The minute window frees up soon: put the item back and pause this worker, not the item's fate.
            BatchItem.objects.filter(pk=item.pk, status=BatchItemStatus.RUNNING).update(status=BatchItemStatus.QUEUED)
            return float(exc.details.get("retry_after") or 1)
        _item_done(item, BatchItemStatus.FAILED, error_code=exc.code, error=exc.message)
        return None
    except Exception:
        logger.exception("batch %s item %s failed", batch.pk, item.index)
        _item_done(item, BatchItemStatus.FAILED, error_code="SERVER_ERROR", error="The item could not be processed.")
        return None
    _item_done(
        item,
        BatchItemStatus.SUCCEEDED,
        outcome,
        content=content,
        generation_id=outcome.generation_id,
        total_tokens=outcome.usage.total_tokens,
        cost=outcome.cost,
    )
    return None


def _item_done(item: BatchItem, status: str, outcome: GenerationOutcome | None = None, **fields: Any) -> None:
    """Record an item's outcome and count it on its batch, once, in one transaction; tell the user's
    webhooks (ai.task.completed / ai.task.failed) when it commits."""
    counter = "succeeded" if status == BatchItemStatus.SUCCEEDED else "failed"
    cost = fields.get("cost") or Decimal(0)
    with transaction.atomic():
        won = BatchItem.objects.filter(pk=item.pk, status=BatchItemStatus.RUNNING).update(
            status=status, finished_at=timezone.now(), **fields
        )
        if won:
            BatchRun.objects.filter(pk=item.batch_id).update(
                completed=F("completed") + 1, **{counter: F(counter) + 1}, cost=F("cost") + cost
            )
            _emit_item(item, outcome, fields)
    _finish_if_done(item.batch_id)


def _emit_item(item: BatchItem, outcome: GenerationOutcome | None, fields: dict[str, Any]) -> None:
    batch = item.batch
    task = {"task_id": f"{item.batch_id}:{item.index}", "type": "batch_item", "batch_id": str(item.batch_id),
            "index": item.index, "model": batch.model_slug}  # fmt: skip
    if outcome is not None:
        # A chat item's answer is its `choices`; a vector or pictures are read from the batch's results.
        result = answer_result(outcome, with_choices=batch.kind == ModelKind.CHAT)
        task_completed(user_id=batch.user_id, task=task, result=result)
    else:
        task_failed(user_id=batch.user_id, task=task, error=fields["error"], code=fields["error_code"])


def _finish_if_done(batch_id: Any) -> None:
    with transaction.atomic():
        won = (
            BatchRun.objects.filter(pk=batch_id, completed__gte=F("total"))
            .exclude(status=BatchStatus.COMPLETED)
            .update(status=BatchStatus.COMPLETED, finished_at=timezone.now())
        )
        if won:
            batch = BatchRun.objects.get(pk=batch_id)
            events.emit(BATCH_COMPLETED, user_id=batch.user_id, payload=_event_payload(batch))


def _event_payload(batch: BatchRun) -> dict[str, Any]:
    return {
        "batch_id": str(batch.pk),
        "status": "completed",
        "model": batch.model_slug,
        "total": batch.total,
        "succeeded": batch.succeeded,
        "failed": batch.failed,
    }


# --- reading ---------------------------------------------------------------------------------------


def batch_progress(batch: BatchRun) -> dict[str, Any]:
    percent = round(100 * batch.completed / batch.total) if batch.total else 100
    return {
        "total": batch.total,
        "completed": batch.completed,
        "succeeded": batch.succeeded,
        "failed": batch.failed,
        "pending": batch.total - batch.completed,
        "percent": percent,
    }


def batch_results(batch: BatchRun) -> list[dict[str, Any]]:
    """Every item's outcome, in prompt order (the downloads and the API read this). An embeddings item
    carries its vector (`embedding`), an image item its pictures (`images`, with fresh signed links)."""
    rows = list(
        batch.items.order_by("index").values(
            "index", "prompt", "status", "content", "error_code", "error", "total_tokens", "cost", "generation_id"
        )
    )
    pictures = _pictures_by_generation(rows) if batch.kind == ModelKind.IMAGE else {}
    results = []
    for row in rows:
        result = {
            **row,
            "cost": money(row["cost"]),
            "generation_id": str(row["generation_id"]) if row["generation_id"] else None,
        }
        if batch.kind == ModelKind.EMBEDDING:
            content = result.pop("content")
            result["embedding"] = json.loads(content) if content else None
        elif batch.kind == ModelKind.IMAGE:
            del result["content"]
            result["images"] = pictures.get(row["generation_id"], [])
        results.append(result)
    return results


def _pictures_by_generation(rows: list[dict[str, Any]]) -> dict[Any, list[dict[str, Any]]]:
    ids = [row["generation_id"] for row in rows if row["generation_id"]]
    found: dict[Any, list[dict[str, Any]]] = {}
    for image in GeneratedImage.objects.filter(generation_id__in=ids).order_by("created_at"):
        item = {"id": str(image.pk), "url": link_path(image.pk), "width": image.width, "height": image.height}
        found.setdefault(image.generation_id, []).append(item | {"mime_type": image.mime_type})
    return found
