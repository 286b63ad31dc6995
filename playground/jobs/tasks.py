"""Celery tasks for video jobs and batch runs. They take ids and call services; both are safe to run twice.

Polling is a chain of countdown tasks (each step re-queues itself with the backoff delay the service
returns) rather than a beat sweeper over due jobs: a job moves on as soon as it is due, and an idle
system queues nothing. Duplicates are harmless because every step first claims its job (see
playground.jobs.video). The beat task `videos_sweep` is the safety net: it fails jobs older than
VIDEO_MAX_AGE_SECONDS and re-queues jobs whose chain was lost.

In eager mode (tests, a shell without a broker) a countdown would run at once and recurse, so the
task waits in place instead.
"""

import time
from collections.abc import Callable

from celery import Task, shared_task
from django.conf import settings

from config.celery import INFRA_RETRY
from playground.jobs import batch, video


def _continue(task: Task, step: Callable[[], float | None], arg: str) -> None:
    delay = step()
    while delay is not None and task.request.is_eager:
        time.sleep(delay)
        delay = step()
    if delay is not None:
        task.apply_async((arg,), countdown=delay)


@shared_task(
    bind=True,
    name="playground.video_advance",
    acks_late=True,
    reject_on_worker_lost=True,
    # A step is one provider call, or a download of the clip; video.STEP_LEASE must outlast it (checks.py).
    soft_time_limit=240,
    time_limit=270,
    **INFRA_RETRY,
)
def video_advance(self: Task, job_id: str) -> None:
    _continue(self, lambda: video.video_job_step(job_id=job_id), job_id)


@shared_task(name="playground.videos_sweep", acks_late=True, soft_time_limit=60, time_limit=90, **INFRA_RETRY)
def videos_sweep() -> dict[str, int]:
    return video.videos_sweep()


@shared_task(
    bind=True,
    name="playground.batch_work",
    acks_late=True,
    reject_on_worker_lost=True,
    # One time slice plus the longest single generation.
    soft_time_limit=settings.BATCH_SLICE_SECONDS + settings.PROVIDER_TOTAL_TIMEOUT + 30,
    time_limit=settings.BATCH_SLICE_SECONDS + settings.PROVIDER_TOTAL_TIMEOUT + 60,
    **INFRA_RETRY,
)
def batch_work(self: Task, batch_id: str) -> None:
    seconds = settings.BATCH_SLICE_SECONDS
    _continue(self, lambda: batch.batch_work(batch_id=batch_id, seconds=seconds), batch_id)
