"""Video jobs: admitted at submit, moved forward by a worker, charged once at their final state.

A video is metered like every other call, through usage: admitted by usage.admission (and warned at
80 % and 100 % of a quota), its ledger row recorded by usage.ledger (so moderation sees its prompt),
its cost settled by usage.admission (and warned at 80 % and 100 % of the budget).

The life of a job:

1. `video_job_submit` (any door) resolves the model, validates, and admits the job against the same
   limits as chat (per-minute, the request quotas, and a budget reservation of the most the video
   can cost). The row is written and the first step is queued when the transaction commits.
2. `video_job_step` (Celery, playground.jobs.tasks.video_advance) submits to the provider, then polls it.
   Each step returns the delay before the next one (exponential backoff with jitter); the task
   re-queues itself with that countdown. A step first *claims* the job by moving `next_poll_at`
   with a conditional update, so a task delivered twice (acks_late) takes the step only once.
3. At a final state `_finish` writes the outcome with `UPDATE ... WHERE charged_at IS NULL`: only
   the call that wins that update writes the ledger row, settles the counters and emits the event.
   Polls never charge. The provider's task id is unique per provider, so one provider task is one
   job and one charge.

`videos_sweep` (celery beat) fails jobs older than VIDEO_MAX_AGE_SECONDS and re-queues jobs whose
chain of tasks was lost (a worker that died holding a countdown task).
"""

import logging
import random
import tempfile
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from catalog.models import AIModel, ModelKind
from catalog.pricing import video_cost
from catalog.selectors import model_resolve
from catalog.services import provider_config_for
from config.money import money
from playground.generation.params import invalid, refuse_unusable
from playground.jobs.events import TASK_COMPLETED, TASK_FAILED
from playground.models import JOB_FINAL_STATUSES, JobStatus, VideoJob
from providers import http
from providers.base import ProviderConfig, ProviderError, VideoRequest, VideoStatus
from providers.registry import get_adapter
from usage import admission, events, ledger
from usage.admission import Admission, Charge, Ticket
from usage.limits import to_nano
from usage.models import Door, GenerationStatus

logger = logging.getLogger(__name__)

OPEN_STATUSES = (JobStatus.QUEUED, JobStatus.SUBMITTED, JobStatus.PROCESSING)
DURATIONS = (6, 10)
RESOLUTIONS = ("512P", "768P", "1080P")
MAX_PROMPT = 2000
MAX_IMAGE_CHARS = 10 * 1024 * 1024
# A step holds its job this long; a step that never reports back is taken over by the sweeper after it.
STEP_LEASE = timedelta(minutes=5)  # longer than the step task's time limit (checked at start-up)
# A task that arrives this much before its job is due is a duplicate: the real chain is still pending.
EARLY_TOLERANCE = timedelta(seconds=1)

_LEDGER_STATUS = {
    JobStatus.SUCCEEDED: GenerationStatus.SUCCESS,
    JobStatus.FAILED: GenerationStatus.ERROR,
    JobStatus.CANCELLED: GenerationStatus.CANCELLED,
}


@dataclass
class VideoInput:
    """One video request, whichever door it came through."""

    user: Any
    model: str
    prompt: Any
    duration: Any = None
    resolution: Any = None
    first_frame_image: Any = None
    api_key_id: int | None = None
    door: str = Door.REST


# --- submit --------------------------------------------------------------------------------------


def _video_model(slug: str) -> AIModel:
    model = refuse_unusable(model_resolve(slug), slug)
    if model.kind != ModelKind.VIDEO:
        raise invalid("model", f"The model '{model.slug}' does not generate video.")
    return model


def _validated(inp: VideoInput) -> tuple[str, int, str, str]:
    prompt = inp.prompt.strip() if isinstance(inp.prompt, str) else ""
    if not prompt:
        raise invalid("prompt", "A video needs a prompt.")
    if len(prompt) > MAX_PROMPT:
        raise invalid("prompt", f"The prompt may be at most {MAX_PROMPT} characters.")
    duration = 6 if inp.duration in (None, "") else inp.duration
    if isinstance(duration, bool) or str(duration) not in {str(d) for d in DURATIONS}:
        raise invalid("duration", f"duration must be one of {', '.join(map(str, DURATIONS))} (seconds).")
    resolution = str(inp.resolution or "768P").upper()
    if resolution not in RESOLUTIONS:
        raise invalid("resolution", f"resolution must be one of {', '.join(RESOLUTIONS)}.")
    if resolution == "1080P" and int(duration) != 6:
        raise invalid("resolution", "1080P videos are 6 seconds long.")
    image = inp.first_frame_image or ""
    if not isinstance(image, str) or (image and not image.startswith(("https://", "http://", "data:image/"))):
        raise invalid("first_frame_image", "first_frame_image must be an http(s) URL or a data:image/... URL.")
    if len(image) > MAX_IMAGE_CHARS:
        raise invalid("first_frame_image", "first_frame_image is too large (10 MB at most).")
    return prompt, int(duration), resolution, image


def video_job_submit(*, inp: VideoInput) -> tuple[VideoJob, Admission]:
    """Validate, admit and record a video job; its first step is queued when the transaction commits.

    Raises ApiError (a refusal by a limit carries the rate headers)."""
    model = _video_model(inp.model)
    prompt, duration, resolution, image = _validated(inp)
    # The most this video can cost is held against the budget until the job is final.
    reserve = to_nano(video_cost(model=model, duration_s=duration), round_up=True)
    limits = admission.limits_for(inp.user)
    admitted = admission.admit(user=inp.user, limits=limits, reserve_nano=reserve)
    ticket = admitted.ticket
    assert ticket is not None
    try:
        with transaction.atomic():
            job = VideoJob.objects.create(
                user=inp.user,
                api_key_id=inp.api_key_id,
                model=model,
                model_slug=model.slug,
                provider_id=model.provider_id,
                prompt=prompt,
                duration=duration,
                resolution=resolution,
                first_frame_image=image,
                door=inp.door,
                reserved_nano=reserve,
                admission_day=ticket.day,
                admission_month=ticket.month,
                next_poll_at=timezone.now(),
            )
            transaction.on_commit(lambda: _enqueue(job.pk))
    except Exception:
        # Nothing was recorded, so nothing may stay held.
        admission.settle(ticket=ticket, charge=Charge(model.slug, 0, 0, GenerationStatus.ERROR), limits=limits)
        raise
    return job, admitted


def _enqueue(job_id: uuid.UUID, countdown: float = 0) -> None:
    from playground.jobs import tasks

    tasks.video_advance.apply_async((str(job_id),), countdown=countdown)


# --- steps ---------------------------------------------------------------------------------------


def poll_delay(step: int) -> float:
    """Exponential backoff with jitter (±20 %), so jobs submitted together do not poll in lockstep."""
    base = min(settings.VIDEO_POLL_FIRST_SECONDS * 2 ** max(step, 0), settings.VIDEO_POLL_MAX_SECONDS)
    return base * random.uniform(0.8, 1.2)


def _config(job: VideoJob) -> ProviderConfig:
    config = provider_config_for(provider=job.model.provider, user=job.user)
    if config.kind == "demo":
        # The demo's clip length is an operator knob (and a test one), not something a user picks.
        config = replace(config, options={**config.options, "video_seconds": settings.VIDEO_DEMO_SECONDS})
    return config


def _call(config: ProviderConfig, method: str, *args: Any) -> Any:
    """One adapter call on a client opened and closed for it (each call runs on its own event loop)."""

    async def run() -> Any:
        async with http.async_client(allow_private=config.allow_private) as client:
            return await getattr(get_adapter(config, client), method)(*args)

    return async_to_sync(run)()


def _claim(job: VideoJob, now: datetime) -> bool:
    # Whoever moves next_poll_at from the value it read owns this step; a duplicate delivery loses.
    current = Q(next_poll_at__isnull=True) if job.next_poll_at is None else Q(next_poll_at=job.next_poll_at)
    return bool(
        VideoJob.objects.filter(current, pk=job.pk, status__in=OPEN_STATUSES).update(next_poll_at=now + STEP_LEASE)
    )


def _expired(job: VideoJob, now: datetime) -> bool:
    return job.created_at < now - timedelta(seconds=settings.VIDEO_MAX_AGE_SECONDS)


def _max_age_message() -> str:
    minutes = settings.VIDEO_MAX_AGE_SECONDS / 60
    return f"The video did not finish within {minutes:g} minutes."


def video_job_step(*, job_id: Any) -> float | None:
    """Take the job's next step; returns the seconds until the one after, or None when this chain ends."""
    job = VideoJob.objects.select_related("model__provider", "user").filter(pk=job_id).first()
    if job is None or job.is_final:
        return None
    now = timezone.now()
    if job.next_poll_at is not None and job.next_poll_at > now + EARLY_TOLERANCE:
        return None
    if _expired(job, now):
        _finish(job, JobStatus.FAILED, error=_max_age_message())
        return None
    if job.model is None:
        _finish(job, JobStatus.FAILED, error="The model was removed from the catalog.")
        return None
    if not _claim(job, now):
        return None
    try:
        return _poll(job) if job.provider_task_id else _submit(job)
    except ProviderError as exc:
        return _provider_trouble(job, exc)


def _advance(job: VideoJob, delay: float, **fields: Any) -> float | None:
    """Record a step that left the job open; None when it was finished (cancelled) meanwhile."""
    fields |= {"provider_errors": 0, "attempts": F("attempts") + 1}
    moved = VideoJob.objects.filter(pk=job.pk, status__in=OPEN_STATUSES).update(
        next_poll_at=timezone.now() + timedelta(seconds=delay), **fields
    )
    return delay if moved else None


def _submit(job: VideoJob) -> float | None:
    request = VideoRequest(
        model=job.model.upstream_id,
        prompt=job.prompt,
        duration=job.duration,
        resolution=job.resolution or None,
        first_frame_image=job.first_frame_image or None,
    )
    # If the worker dies between this call and the update below, the retried step submits again; the
    # first provider task is then orphaned, but the user is still charged once: per job, at its end.
    task_id = _call(_config(job), "video_submit", request)
    fields = {"provider_task_id": task_id, "status": JobStatus.SUBMITTED, "provider_state": "submitted", "error": ""}
    return _advance(job, poll_delay(0), **fields)


def _poll(job: VideoJob) -> float | None:
    config = _config(job)
    status: VideoStatus = _call(config, "video_poll", job.provider_task_id)
    if status.state == "fail":
        _finish(job, JobStatus.FAILED, error=status.error or "The provider reported that the task failed.")
        return None
    if status.state == "success":
        name = _store_clip(job, config, status)
        _finish(job, JobStatus.SUCCEEDED, file_name=name, width=status.width, height=status.height)
        return None
    state = JobStatus.PROCESSING if status.state == "processing" else JobStatus.SUBMITTED
    return _advance(job, poll_delay(job.attempts), status=state, provider_state=status.state, error="")


def _provider_trouble(job: VideoJob, exc: ProviderError) -> float | None:
    """A provider outage is retried with backoff; after VIDEO_MAX_PROVIDER_ERRORS in a row the job fails."""
    errors = job.provider_errors + 1
    if exc.retryable and errors < settings.VIDEO_MAX_PROVIDER_ERRORS:
        delay = poll_delay(errors)
        VideoJob.objects.filter(pk=job.pk, status__in=OPEN_STATUSES).update(
            provider_errors=errors, error=str(exc)[:2000], next_poll_at=timezone.now() + timedelta(seconds=delay)
        )
        return delay
    logger.info("video job %s failed: %s", job.pk, exc)
    _finish(job, JobStatus.FAILED, error=f"The provider failed: {exc.message}")
    return None


# --- the clip ------------------------------------------------------------------------------------


def clip_name(job: VideoJob) -> str:
    return f"videos/{job.pk}.mp4"


def _store_clip(job: VideoJob, config: ProviderConfig, status: VideoStatus) -> str:
    """Download the result into media storage; a step that runs twice finds it already there."""
    name = clip_name(job)
    if default_storage.exists(name):
        return name
    if not status.file_id:
        raise ProviderError("protocol", "The provider reported success without a file.", provider=config.kind)
    url = _call(config, "video_result_url", status.file_id)
    with tempfile.TemporaryFile() as buffer:
        _download(url, buffer, local_allowed=config.kind == "demo", provider=config.kind)
        buffer.seek(0)
        return default_storage.save(name, File(buffer, name=Path(name).name))


def _download(url: str, buffer: Any, *, local_allowed: bool, provider: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "file" and local_allowed:
        # Only the offline demo hands out file:// URLs (its bundled clip); no other provider may.
        with open(unquote(parts.path), "rb") as source:
            buffer.write(source.read(settings.VIDEO_MAX_BYTES + 1))
    elif parts.scheme in ("http", "https"):
        _download_http(url, buffer, provider)
    else:
        raise ProviderError("protocol", f"Cannot download the video from {parts.scheme}: URLs.", provider=provider)
    if buffer.tell() > settings.VIDEO_MAX_BYTES:
        raise ProviderError("protocol", "The video is larger than VIDEO_MAX_BYTES.", provider=provider)


def _download_http(url: str, buffer: Any, provider: str) -> None:
    # The download URL is the provider's word, not ours: private addresses only where the operator allows.
    timeout = http.timeout_for(settings.PROVIDER_CONNECT_TIMEOUT, settings.PROVIDER_READ_TIMEOUT)
    try:
        _stream_into(url, buffer, provider, timeout)
    except httpx.HTTPError as exc:
        raise ProviderError("unavailable", f"The video download failed: {exc}", provider=provider) from exc


def _stream_into(url: str, buffer: Any, provider: str, timeout: httpx.Timeout) -> None:
    client = http.sync_client(allow_private=settings.ALLOW_PRIVATE_URLS, timeout=timeout)
    with client, client.stream("GET", url) as response:
        if response.status_code >= 400:
            retryable = response.status_code >= 500 or response.status_code == 429
            kind = "unavailable" if retryable else "bad_request"
            message = f"The video download failed (HTTP {response.status_code})."
            raise ProviderError(kind, message, status=response.status_code, provider=provider)
        for chunk in response.iter_bytes():
            buffer.write(chunk)
            if buffer.tell() > settings.VIDEO_MAX_BYTES:
                break


# --- the final state: charged once ---------------------------------------------------------------


def _final_cost(job: VideoJob, status: str) -> Decimal | None:
    """A finished video costs its catalog price (None when unpriced); a failed or cancelled one nothing."""
    if status != JobStatus.SUCCEEDED or job.model is None:
        return Decimal(0)
    return video_cost(model=job.model, duration_s=job.duration)


def _finish(
    job: VideoJob,
    status: str,
    *,
    error: str = "",
    file_name: str = "",
    width: int | None = None,
    height: int | None = None,
) -> bool:
    """Record the final state. Only the call that wins the conditional update charges; returns whether it won."""
    now = timezone.now()
    cost = _final_cost(job, status)
    generation_id = uuid.uuid4()
    fields: dict[str, Any] = {"status": status, "charged_at": now, "finished_at": now, "cost": cost}
    fields |= {"error": error[:2000], "next_poll_at": None, "generation_id": generation_id}
    if file_name:
        fields |= {"file": file_name, "width": width, "height": height}
    with transaction.atomic():
        won = VideoJob.objects.filter(pk=job.pk, charged_at__isnull=True).update(**fields)
        if not won:
            return False
        job.refresh_from_db()
        ledger.record(_ledger_row(job, generation_id))
        # Counters move only after the row is committed, so a rolled-back finish charges nothing.
        transaction.on_commit(lambda: _settle(job))
        _emit_final(job)
    return True


def open_holds(user_ids: list[int] | None, month: str) -> dict[int, int]:
    """The budget held by video jobs not yet settled, per user (for usage.rebuild: the ledger has no
    row for them until they end)."""
    jobs = VideoJob.objects.filter(admission_month=month, charged_at__isnull=True, reserved_nano__gt=0)
    jobs = jobs.exclude(status__in=JOB_FINAL_STATUSES)
    if user_ids is not None:
        jobs = jobs.filter(user_id__in=user_ids)
    return dict(jobs.values("user_id").annotate(held=Sum("reserved_nano")).order_by().values_list("user_id", "held"))


def _ledger_row(job: VideoJob, generation_id: uuid.UUID) -> ledger.Row:
    finished = job.finished_at or timezone.now()
    return {
        "id": generation_id,
        "user_id": job.user_id,
        "api_key_id": job.api_key_id,
        "door": Door.VIDEO,
        "requested_model": job.model_slug,
        "model_id": job.model_id,
        "model_slug": job.model_slug,
        "provider_id": job.provider_id,
        "upstream_id": job.provider_task_id,
        "input_messages": [{"role": "user", "content": job.prompt}],
        "parameters": {"duration": job.duration, "resolution": job.resolution},
        "content": "",
        "cost": job.cost,
        "duration_ms": int((finished - job.created_at).total_seconds() * 1000),
        "status": _LEDGER_STATUS[job.status],
        "error_code": "" if job.status == JobStatus.SUCCEEDED else job.status.upper(),
        "error_message": job.error,
    }


def _settle(job: VideoJob) -> None:
    """Release the job's reservation and charge what it cost (warning at 80 % and 100 % of the budget)."""
    ticket = Ticket(
        user_id=job.user_id, month=job.admission_month, day=job.admission_day, reserved_nano=job.reserved_nano
    )
    charge = Charge(
        model_slug=job.model_slug,
        tokens=0,
        cost_nano=to_nano(job.cost) if job.cost else 0,
        status=_LEDGER_STATUS[job.status],
        api_key_id=job.api_key_id,
    )
    admission.settle(ticket=ticket, charge=charge, limits=admission.limits_for(job.user))


def _emit_final(job: VideoJob) -> None:
    if job.status == JobStatus.SUCCEEDED:
        result = {"video_url": video_file_path(job), "width": job.width, "height": job.height}
        result |= {"duration": job.duration, "cost": money(job.cost)}
        payload = {"task_id": str(job.pk), "type": "video", "model": job.model_slug, "status": "completed"}
        events.emit(TASK_COMPLETED, user_id=job.user_id, payload={**payload, "result": result})
    elif job.status == JobStatus.FAILED:
        payload = {"task_id": str(job.pk), "type": "video", "model": job.model_slug, "status": "failed"}
        events.emit(TASK_FAILED, user_id=job.user_id, payload={**payload, "error": job.error})


def video_file_path(job: VideoJob) -> str:
    from django.urls import reverse

    return reverse("jobs-task-file", args=[job.pk])


def video_job_cancel(*, job: VideoJob) -> bool:
    """Cancel an unfinished job: nothing is charged and the reservation is released.

    MiniMax has no cancel call, so a submitted task may still run upstream; we stop polling it."""
    if job.is_final:
        return False
    return _finish(job, JobStatus.CANCELLED, error="Cancelled by its owner.")


# --- beat ----------------------------------------------------------------------------------------


def videos_sweep() -> dict[str, int]:
    """Fail jobs past the maximum age and re-queue jobs whose next step is overdue (a lost task)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.VIDEO_MAX_AGE_SECONDS)
    expired = 0
    for job in VideoJob.objects.filter(status__in=OPEN_STATUSES, created_at__lt=cutoff).select_related("model")[:500]:
        expired += _finish(job, JobStatus.FAILED, error=_max_age_message())
    overdue = now - timedelta(seconds=settings.VIDEO_REQUEUE_AFTER_SECONDS)
    lost = list(
        VideoJob.objects.filter(status__in=OPEN_STATUSES, next_poll_at__lt=overdue).values_list("pk", flat=True)[:500]
    )
    for job_id in lost:
        _enqueue(job_id)
    return {"expired": expired, "requeued": len(lost)}
