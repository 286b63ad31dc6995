"""Video jobs through a real Celery worker on Redis and PostgreSQL (as in CI), with MiniMax Hailuo on the
fake upstream and a real webhook receiver: charged exactly once however many polls, and a failed
provider task delivers `ai.task.failed` and charges nothing."""

import time
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from playground.jobs import tasks
from playground.models import JobStatus, VideoJob
from tests.factories import WebhookEndpointFactory
from tests.webhooks.conftest import verify
from tests.workers import Worker, real_workers
from usage import counters
from usage import limits as limiter
from usage.models import Generation

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def start_worker(settings) -> Iterator[Callable[..., Worker]]:
    env = {
        "MEDIA_ROOT": settings.MEDIA_ROOT,  # the worker stores the clip where this process reads it
        "VIDEO_POLL_FIRST_SECONDS": "0.2",
        "VIDEO_POLL_MAX_SECONDS": "0.5",
        "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
    }
    with real_workers(env, name="jobs-test") as start:
        yield start


def wait_for_final(job_id: str, worker: Worker, timeout: float = 30) -> VideoJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = VideoJob.objects.get(pk=job_id)
        if job.is_final:
            return job
        time.sleep(0.1)
    pytest.fail(f"job {job_id} is still {job.status}:\n{worker.output()}")


def charged(user) -> tuple[Decimal, int]:
    used = counters.quota_used(user_id=user.pk)
    return limiter.from_nano(used["spent"]), used["held"]


def test_a_job_that_succeeds_is_charged_exactly_once_however_many_polls(
    alice, alice_api, hailuo, receiver, start_worker
):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    hailuo()
    worker = start_worker()

    response = alice_api.post(
        "/api/v1/ai/video", {"model": "minimax/MiniMax-Hailuo-2.3", "prompt": "Rain"}, format="json"
    )
    job = wait_for_final(response.json()["data"]["id"], worker)

    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.attempts >= 3  # submitted, then polled through Queueing and Processing to Success
    # The same task delivered again (acks_late can do that) finds the job final.
    tasks.video_advance.delay(str(job.pk))
    tasks.video_advance.delay(str(job.pk))
    [request] = hook.wait_for(1, timeout=20)
    body = verify(endpoint.secret, request)
    assert (body["event"], body["data"]["task_id"], body["data"]["status"]) == (
        "ai.task.completed",
        str(job.pk),
        "completed",
    )
    time.sleep(1.5)
    assert len(hook.received) == 1
    assert VideoJob.objects.get(pk=job.pk).cost == Decimal("0.30")
    assert charged(alice) == (Decimal("0.30000000"), 0), worker.output()
    assert Generation.objects.filter(upstream_id=job.provider_task_id).count() == 1
    assert job.file.storage.exists(job.file.name)


def test_a_provider_failure_delivers_ai_task_failed_and_charges_nothing(
    alice, alice_api, hailuo, receiver, start_worker
):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    hailuo("MiniMax-Hailuo-2.3@fail")
    worker = start_worker()

    response = alice_api.post(
        "/api/v1/ai/video", {"model": "minimax/MiniMax-Hailuo-2.3@fail", "prompt": "Storm"}, format="json"
    )
    job = wait_for_final(response.json()["data"]["id"], worker)

    assert job.status == JobStatus.FAILED
    [request] = hook.wait_for(1, timeout=20)
    body = verify(endpoint.secret, request)
    assert (body["event"], body["data"]["task_id"]) == ("ai.task.failed", str(job.pk))
    assert body["data"]["error"] == job.error
    assert job.cost == 0
    assert charged(alice) == (Decimal("0"), 0)
