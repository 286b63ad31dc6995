"""One tenant's slow receivers cannot delay another tenant's webhooks: real workers on Redis.

Alice has 8 endpoints whose receivers take 8 s to answer, and 24 deliveries queued for them; Bob's one
delivery is queued after them. The worker has 4 processes, as in production. With the caps on
deliveries in flight, Alice holds at most WEBHOOKS_MAX_IN_FLIGHT_PER_USER of them; her other
deliveries are put back for a moment (not attempted, not failed) and Bob's is delivered at once.
"""

import time

import pytest
from django.db import transaction

from tests.factories import UserFactory, WebhookEndpointFactory
from tests.webhooks.conftest import Reply
from tests.workers import real_workers
from webhooks import services
from webhooks.models import DeliveryAttempt

pytestmark = [pytest.mark.redis, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SLOW_SECONDS = 8
WORKER_ENV = {
    "WEBHOOKS_ALLOW_PRIVATE_URLS": "true",
    "WEBHOOKS_SWEEP_SECONDS": "1",
    "WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT": "1",
    "WEBHOOKS_MAX_IN_FLIGHT_PER_USER": "2",
    "WEBHOOKS_BUSY_RETRY_SECONDS": "1",
}


def emit(user, task_id: str) -> list[int]:
    with transaction.atomic():  # the tasks are queued when this commits
        return services.event_emit(user_id=user.pk, event="ai.task.completed", payload={"task_id": task_id})


def test_eight_slow_endpoints_of_one_user_do_not_delay_another_users_webhook(receiver):
    alice, bob = UserFactory(), UserFactory()
    slow = [receiver([Reply(200, delay=SLOW_SECONDS)]) for _ in range(8)]
    for hook in slow:
        WebhookEndpointFactory(user=alice, url=hook.url)
    fast = receiver()
    WebhookEndpointFactory(user=bob, url=fast.url)

    with real_workers(WORKER_ENV, name="fairness") as start:
        start(beat=True, concurrency=4)
        alice_deliveries = [d for n in range(3) for d in emit(alice, f"alice-{n}")]
        time.sleep(0.5)  # Alice's tasks are on the queue first
        queued = time.monotonic()
        emit(bob, "bob-1")

        [request] = fast.wait_for(1, timeout=30)
        waited = time.monotonic() - queued
        assert request.json()["data"]["task_id"] == "bob-1"
        assert waited < 5, f"Bob's webhook waited {waited:.1f} s behind Alice's slow endpoints"

        # Alice's deliveries were postponed, not failed: none is recorded as a failed attempt.
        assert not DeliveryAttempt.objects.filter(delivery_id__in=alice_deliveries).exclude(error="").exists()
        in_flight_at_once = sum(1 for hook in slow if hook.received)
        assert in_flight_at_once <= 2
