"""Signed delivery, the retry schedule, and what failures do to an endpoint."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from tests.factories import DeliveryFactory, WebhookEndpointFactory
from tests.webhooks.conftest import Reply, verify
from webhooks import services, tasks
from webhooks.models import Delivery, DeliveryAttempt, WebhookEndpoint

pytestmark = pytest.mark.django_db

PAYLOAD = {"task_id": "task-123", "status": "completed", "result": {"choices": [], "usage": {}}}
NO_WAIT = [0, 0, 0, 0, 0, 0, 0, 0]


def emit(user, event: str = "ai.task.completed", payload: dict | None = None, *, capture) -> list[int]:
    with capture(execute=True):
        return services.event_emit(user_id=user.pk, event=event, payload=payload or PAYLOAD)


def sweep_until_settled(capture, times: int = 10) -> None:
    """What celery beat does every few seconds: queue the deliveries that are due, and run them."""
    for _ in range(times):
        with capture(execute=True):
            tasks.deliver_due.delay()


def test_a_delivery_verifies_with_the_standardwebhooks_package(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    [delivery_id] = emit(alice, capture=django_capture_on_commit_callbacks)

    [request] = hook.wait_for(1)
    body = verify(endpoint.secret, request)
    assert body["event"] == "ai.task.completed"
    assert body["data"]["task_id"] == "task-123"
    assert body["data"]["user_id"] == str(alice.pk)
    assert "timestamp" in body["data"]
    assert request.webhook_id.startswith("msg_")
    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == "succeeded"
    assert delivery.webhook_id == request.webhook_id


def test_every_event_of_the_spec_is_delivered_with_its_payload(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    payloads = {
        "ai.task.completed": PAYLOAD,
        "ai.task.failed": {"task_id": "task-9", "status": "failed", "error": "Upstream timed out"},
        "quota.warning": {"quota_type": "daily", "used": 45, "limit": 50, "percentage": 90},
    }
    for event, payload in payloads.items():
        emit(alice, event, payload, capture=django_capture_on_commit_callbacks)

    received = {r.json()["event"]: r.json()["data"] for r in hook.wait_for(3)}
    assert set(received) == set(payloads)
    assert received["quota.warning"]["percentage"] == 90
    assert received["ai.task.failed"]["error"] == "Upstream timed out"
    for request in hook.received:
        verify(endpoint.secret, request)


def test_only_active_endpoints_subscribed_to_the_event_get_it(alice, bob, receiver, django_capture_on_commit_callbacks):
    hook = receiver()
    subscribed = WebhookEndpointFactory(user=alice, url=hook.url, events=["ai.task.completed"])
    WebhookEndpointFactory(user=alice, url=hook.url, events=["quota.warning"])
    WebhookEndpointFactory(user=alice, url=hook.url, active=False)
    WebhookEndpointFactory(user=bob, url=hook.url)

    ids = emit(alice, capture=django_capture_on_commit_callbacks)

    assert [Delivery.objects.get(pk=i).endpoint for i in ids] == [subscribed]
    assert len(hook.wait_for(1)) == 1


def test_nothing_is_sent_when_the_emitting_transaction_rolls_back(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver()
    WebhookEndpointFactory(user=alice, url=hook.url)
    with django_capture_on_commit_callbacks() as callbacks:
        services.event_emit(user_id=alice.pk, event="ai.task.completed", payload=PAYLOAD)
    # The callbacks were captured, not run: the task is only queued once the caller's transaction commits.
    assert len(callbacks) == 1
    assert hook.received == []


@override_settings(WEBHOOKS_RETRY_SCHEDULE=NO_WAIT)
def test_a_receiver_failing_three_times_gets_four_attempts_with_one_webhook_id(
    alice, receiver, django_capture_on_commit_callbacks
):
    hook = receiver([Reply(500), Reply(503), Reply(500), Reply(200)])
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    [delivery_id] = emit(alice, capture=django_capture_on_commit_callbacks)

    sweep_until_settled(django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == "succeeded"
    assert delivery.attempt_count == 4
    assert [a.status_code for a in delivery.attempts.all()] == [500, 503, 500, 200]
    assert {r.webhook_id for r in hook.received} == {delivery.webhook_id}
    assert len(hook.received) == 4
    for request in hook.received:
        verify(endpoint.secret, request)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_every_attempt_records_time_status_excerpt_and_duration(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver([Reply(500, body=b"x" * 5000)])
    WebhookEndpointFactory(user=alice, url=hook.url)
    [delivery_id] = emit(alice, capture=django_capture_on_commit_callbacks)

    attempt = DeliveryAttempt.objects.get(delivery_id=delivery_id)
    assert attempt.status_code == 500
    assert attempt.response_excerpt == "x" * 1024
    assert attempt.duration_ms is not None
    assert attempt.finished_at is not None
    assert attempt.error == ""


def test_retries_follow_the_schedule_with_jitter(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver([Reply(500)])
    WebhookEndpointFactory(user=alice, url=hook.url)
    before = timezone.now()
    [delivery_id] = emit(alice, capture=django_capture_on_commit_callbacks)

    delivery = Delivery.objects.get(pk=delivery_id)
    assert delivery.status == "retrying"
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 4.5 <= wait <= 5.5 + 1  # 5 s ±10 %, plus the time the attempt took
    # The sweeper leaves it alone until it is due.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_enqueue_due() == 0
    assert len(hook.received) == 1


def test_the_delays_are_those_of_the_standard_schedule():
    delays = [services._next_delay(n) for n in range(1, 9)]
    expected = [5, 300, 1800, 7200, 18000, 36000, 36000]
    for delay, seconds in zip(delays, expected, strict=False):
        assert seconds * 0.9 <= delay.total_seconds() <= seconds * 1.1
    assert delays[-1] is None  # after the eighth attempt the delivery has failed for good


@override_settings(WEBHOOKS_RETRY_SCHEDULE=[0, 0])
def test_a_delivery_fails_for_good_when_the_schedule_is_used_up(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver([Reply(500)])
    WebhookEndpointFactory(user=alice, url=hook.url)
    [delivery_id] = emit(alice, capture=django_capture_on_commit_callbacks)
    sweep_until_settled(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(pk=delivery_id)
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == ("failed", 2, None)


def test_a_redirect_is_not_followed_and_counts_as_a_failure(alice, receiver, django_capture_on_commit_callbacks):
    target = receiver()
    hook = receiver([Reply(302, headers={"location": target.url})])
    WebhookEndpointFactory(user=alice, url=hook.url)
    [delivery_id] = emit(alice, capture=django_capture_on_commit_callbacks)

    assert Delivery.objects.get(pk=delivery_id).status == "retrying"
    assert DeliveryAttempt.objects.get(delivery_id=delivery_id).status_code == 302
    assert target.received == []


@override_settings(WEBHOOKS_TIMEOUT_SECONDS=0.3)
def test_an_answer_slower_than_the_limit_is_a_failure(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver([Reply(200, delay=1.0)])
    WebhookEndpointFactory(user=alice, url=hook.url)
    [delivery_id] = emit(alice, capture=django_capture_on_commit_callbacks)

    attempt = DeliveryAttempt.objects.get(delivery_id=delivery_id)
    assert attempt.status_code is None
    assert "0.3 s" in attempt.error
    assert Delivery.objects.get(pk=delivery_id).status == "retrying"


def test_410_gone_switches_the_endpoint_off(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver([Reply(410)])
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    [delivery_id] = emit(alice, capture=django_capture_on_commit_callbacks)

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "410" in endpoint.disabled_reason
    assert Delivery.objects.get(pk=delivery_id).status == "failed"
    assert emit(alice, capture=django_capture_on_commit_callbacks) == []


def test_an_endpoint_failing_for_five_days_is_switched_off_and_its_owner_told(
    alice, receiver, django_capture_on_commit_callbacks
):
    hook = receiver([Reply(500)])
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url, failing_since=timezone.now() - timedelta(days=5))
    emit(alice, capture=django_capture_on_commit_callbacks)

    endpoint.refresh_from_db()
    assert not endpoint.active
    assert "5 days" in endpoint.disabled_reason
    [email] = mail.outbox
    assert email.to == ["alice@example.com"]
    assert hook.url in email.body


def test_an_endpoint_failing_for_less_than_five_days_stays_on(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver([Reply(500)])
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url, failing_since=timezone.now() - timedelta(days=4))
    emit(alice, capture=django_capture_on_commit_callbacks)
    endpoint.refresh_from_db()
    assert endpoint.active
    assert mail.outbox == []


def test_switching_an_endpoint_back_on_restarts_its_failure_clock(alice):
    endpoint = WebhookEndpointFactory(
        user=alice, active=False, disabled_reason="x", failing_since=timezone.now() - timedelta(days=6)
    )
    services.endpoint_update(endpoint=endpoint, active=True)
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.disabled_reason, endpoint.failing_since) == (True, "", None)


def test_running_the_task_twice_makes_one_attempt(alice, receiver):
    hook = receiver()
    delivery = DeliveryFactory(endpoint__user=alice, endpoint__url=hook.url, next_attempt_at=timezone.now())

    tasks.deliver.delay(delivery.pk)
    tasks.deliver.delay(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert delivery.attempts.count() == 1
    assert len(hook.received) == 1


def test_an_attempt_a_killed_worker_left_behind_is_closed_and_retried(alice, receiver):
    hook = receiver()
    delivery = DeliveryFactory(
        endpoint__user=alice, endpoint__url=hook.url, attempt_count=1, next_attempt_at=timezone.now()
    )
    orphan = DeliveryAttempt.objects.create(delivery=delivery)  # never finished: the worker died

    tasks.deliver.delay(delivery.pk)

    orphan.refresh_from_db()
    assert orphan.finished_at is not None
    assert "worker stopped" in orphan.error
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)


def test_an_attempt_in_flight_is_not_started_again_before_its_lease_ends(alice, receiver):
    hook = receiver()
    in_flight = DeliveryFactory(
        endpoint__user=alice, endpoint__url=hook.url, next_attempt_at=timezone.now() + timedelta(seconds=60)
    )
    assert services.delivery_attempt(delivery_id=in_flight.pk) is None
    assert hook.received == []


def test_the_sweeper_requeues_a_task_that_was_lost(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver()
    long_ago = timezone.now() - timedelta(hours=1)
    lost = DeliveryFactory(endpoint__user=alice, endpoint__url=hook.url, next_attempt_at=long_ago, enqueued_at=long_ago)
    queued = DeliveryFactory(endpoint__user=alice, endpoint__url=hook.url, next_attempt_at=long_ago)
    queued_just_now = DeliveryFactory(
        endpoint__user=alice, endpoint__url=hook.url, next_attempt_at=long_ago, enqueued_at=timezone.now()
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert services.deliveries_enqueue_due() == 2

    statuses = dict(Delivery.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: "succeeded", queued.pk: "succeeded", queued_just_now.pk: "pending"}


def test_deliveries_to_an_endpoint_switched_off_meanwhile_are_not_sent(alice, receiver):
    hook = receiver()
    delivery = DeliveryFactory(endpoint__user=alice, endpoint__url=hook.url, next_attempt_at=timezone.now())
    WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).update(active=False)

    tasks.deliver.delay(delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert hook.received == []


def test_a_test_event_reaches_even_a_switched_off_endpoint(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url, active=False, events=["quota.warning"])
    with django_capture_on_commit_callbacks(execute=True):
        services.endpoint_send_test(endpoint=endpoint)
    [request] = hook.received
    assert verify(endpoint.secret, request)["event"] == "webhook.test"


def test_a_redelivery_keeps_the_webhook_id(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    [first_id] = emit(alice, capture=django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.delivery_redeliver(delivery=Delivery.objects.get(pk=first_id))
    assert again.pk != first_id
    assert [r.webhook_id for r in hook.received] == [again.webhook_id, again.webhook_id]
    assert endpoint.deliveries.count() == 2


def test_after_rotation_both_secrets_verify_during_the_grace_period(
    alice, receiver, django_capture_on_commit_callbacks
):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    old = endpoint.secret
    new = services.endpoint_rotate_secret(endpoint=endpoint)
    emit(alice, capture=django_capture_on_commit_callbacks)

    [request] = hook.received
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    verify(old, request)
    verify(new, request)


def test_after_the_grace_period_only_the_new_secret_signs(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    old = endpoint.secret
    new = services.endpoint_rotate_secret(endpoint=endpoint)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(previous_secret_expires_at=timezone.now())
    emit(alice, capture=django_capture_on_commit_callbacks)

    [request] = hook.received
    verify(new, request)
    with pytest.raises(Exception, match="signature"):
        verify(old, request)


def test_deleting_an_account_removes_its_endpoints_and_events(alice, receiver, django_capture_on_commit_callbacks):
    hook = receiver()
    WebhookEndpointFactory(user=alice, url=hook.url)
    emit(alice, capture=django_capture_on_commit_callbacks)
    services.account_erase(alice)
    assert not WebhookEndpoint.objects.filter(user=alice).exists()
    assert not Delivery.objects.exists()
