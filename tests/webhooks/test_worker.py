"""Deliveries through a real Celery worker on Redis, including one killed with SIGKILL mid-delivery.

The worker is a separate process, so it needs a database it can share: these tests run on
PostgreSQL (CI sets DATABASE_URL and REDIS_URL) and skip on SQLite's in-memory test database.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction

from config.celery import app as celery_app
from tests.factories import WebhookEndpointFactory
from tests.webhooks.conftest import Reply, verify
from webhooks import services
from webhooks.models import Delivery

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
# Short enough that a lost task comes back within the test; an attempt's lease matches it.
VISIBILITY_SECONDS = 2


class Worker:
    def __init__(self, log: Path, *, beat: bool = False) -> None:
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS),
            "WEBHOOKS_ATTEMPT_LEASE_SECONDS": str(VISIBILITY_SECONDS),
            "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
            "WEBHOOKS_SWEEP_SECONDS": "1",
            "WEBHOOKS_REQUEUE_AFTER_SECONDS": str(VISIBILITY_SECONDS),
        }
        # With beat inside, the sweeper also requeues the delivery (as in production, where beat always runs).
        extra = ["--beat", "--schedule", str(log.with_suffix(".beat"))] if beat else []
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "info", "--concurrency", "1",
             "--hostname", f"webhooks-test-{uuid.uuid4().hex[:8]}@%h", "--without-gossip", "--without-mingle", *extra],
            cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so SIGKILL takes the pool children too
        )  # fmt: skip
        self._wait_for("ready.", timeout=30)

    def _wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log.read_text(errors="replace"):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"worker did not become {text!r}:\n{self.log.read_text(errors='replace')[-3000:]}")

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker() -> Iterator[Callable[..., Worker]]:
    if connection.vendor != "postgresql":
        pytest.skip("a worker process needs a shared database (PostgreSQL, as in CI)")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False  # this process only queues; the worker runs the tasks
    workers: list[Worker] = []
    with tempfile.TemporaryDirectory() as folder:

        def start(beat: bool = False) -> Worker:
            workers.append(Worker(Path(folder) / f"worker-{len(workers)}.log", beat=beat))
            return workers[-1]

        yield start
        for worker in workers:
            worker.stop()
    celery_app.conf.task_always_eager = eager


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
