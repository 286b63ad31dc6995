"""Celery tasks for webhooks. They take ids and call services; both are safe to run twice.

Scheduling: the first attempt is queued when the event's transaction commits; every later attempt
is a `next_attempt_at` in the database that `deliver_due` (celery beat, every WEBHOOKS_SWEEP_SECONDS)
turns into a task. See services.deliveries_enqueue_due for why retries are not countdown tasks.
"""

from celery import shared_task

from config.celery import INFRA_RETRY
from webhooks import services


@shared_task(
    name="webhooks.deliver",
    acks_late=True,
    reject_on_worker_lost=True,
    # 15 s for the receiver plus recording; the attempt lease must be longer (webhooks/checks.py).
    soft_time_limit=40,
    time_limit=50,
    **INFRA_RETRY,
)
def deliver(delivery_id: int, force: bool = False) -> None:
    services.delivery_attempt(delivery_id=delivery_id, force=force)


@shared_task(name="webhooks.deliver_due", acks_late=True, soft_time_limit=30, time_limit=40, **INFRA_RETRY)
def deliver_due() -> int:
    return services.deliveries_enqueue_due()
