"""Deliveries through a real Celery worker on Redis, including one killed with SIGKILL mid-delivery.

The worker is a separate process, so it needs a database it can share: these tests run on
PostgreSQL (CI sets DATABASE_URL and REDIS_URL) and skip on SQLite's in-memory test database.
"""

import time
from collections.abc import Callable, Iterator

import pytest
from django.db import transaction

from tests.factories import WebhookEndpointFactory
from tests.webhooks.conftest import Reply, verify
from tests.workers import Worker, real_workers
from webhooks import services
from webhooks.models import Delivery

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Short enough that a lost task comes back within the test; an attempt's lease matches it.
VISIBILITY_SECONDS = 2
WORKER_ENV = {
    "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
    "WEBHOOKS_ATTEMPT_LEASE_SECONDS": str(VISIBILITY_SECONDS),
    "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
    "WEBHOOKS_SWEEP_SECONDS": "1",
    "WEBHOOKS_REQUEUE_AFTER_SECONDS": str(VISIBILITY_SECONDS),
}


@pytest.fixture
def start_worker() -> Iterator[Callable[..., Worker]]:
    with real_workers(WORKER_ENV, name="webhooks-test") as start:
        yield start


def emit_committed(user) -> int:
    with transaction.atomic():  # the task is queued when this commits
        [delivery_id] = services.event_emit(
            user_id=user.pk, event="ai.task.completed", payload={"task_id": "task-1", "status": "completed"}
        )
    return delivery_id


def wait_for_status(delivery_id: int, status: str, timeout: float = 20) -> Delivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery = Delivery.objects.get(pk=delivery_id)
        if delivery.status == status:
            return delivery
        time.sleep(0.1)
    pytest.fail(f"delivery {delivery_id} is {delivery.status}, not {status}")


def test_a_real_worker_delivers_a_signed_event(alice, receiver, start_worker):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    start_worker()

    delivery_id = emit_committed(alice)

    [request] = hook.wait_for(1, timeout=20)
    assert verify(endpoint.secret, request)["data"]["task_id"] == "task-1"
    assert wait_for_status(delivery_id, "succeeded").webhook_id == request.webhook_id


def test_a_delivery_survives_its_worker_being_killed_mid_request(alice, receiver, start_worker):
    hook = receiver([Reply(200, delay=30), Reply(200)])  # the first request hangs while the worker dies
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    first_worker = start_worker()

    delivery_id = emit_committed(alice)
    hook.wait_for(1, timeout=20)
    first_worker.kill()
    time.sleep(VISIBILITY_SECONDS + 0.5)  # the unacknowledged task becomes visible again, the lease ends
    second_worker = start_worker(beat=True)

    requests = hook.wait_for(2, timeout=30)
    assert len(requests) == 2, second_worker.log.read_text(errors="replace")[-3000:]
    assert requests[0].webhook_id == requests[1].webhook_id
    verify(endpoint.secret, requests[1])
    delivery = wait_for_status(delivery_id, "succeeded")
    first, second = delivery.attempts.all()
    assert "worker stopped" in first.error
    assert second.status_code == 200
