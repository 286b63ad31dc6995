"""Caps that keep one tenant from taking the delivery workers: endpoints per user, deliveries in flight."""

import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import DeliveryFactory, WebhookEndpointFactory
from webhooks import services, slots, tasks
from webhooks.models import Delivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

BODY = {"url": "https://example.com/hook", "events": ["ai.task.completed"]}


def test_the_endpoint_cap_is_a_validation_error(alice_api, alice, bob, settings):
    settings.WEBHOOKS_MAX_ENDPOINTS_PER_USER = 3
    for _ in range(3):
        assert alice_api.post("/api/v1/webhooks", BODY, format="json").status_code == 201
    WebhookEndpointFactory(user=bob)  # other users' endpoints do not count

    response = alice_api.post("/api/v1/webhooks", BODY, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert "at most 3 webhook endpoints" in error["message"]
    assert error["details"]["limit"] == 3
    assert WebhookEndpoint.objects.filter(user=alice).count() == 3


def test_the_endpoint_cap_is_explained_on_the_page(alice, settings):
    settings.WEBHOOKS_MAX_ENDPOINTS_PER_USER = 1
    WebhookEndpointFactory(user=alice)
    browser = Client()
    browser.force_login(alice)

    response = browser.post(reverse("webhooks:index"), {"url": "https://example.com/x", "events": ["quota.warning"]})

    assert response.status_code == 200
    assert "at most 1 webhook endpoint;" in response.content.decode()
    assert WebhookEndpoint.objects.filter(user=alice).count() == 1


@pytest.mark.redis
def test_a_delivery_over_the_endpoint_cap_is_put_back_not_attempted(alice, receiver, settings):
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT = 1
    hook = receiver()
    delivery = DeliveryFactory(endpoint__user=alice, endpoint__url=hook.url)
    held = slots.slot_take(endpoint_id=delivery.endpoint_id, user_id=alice.pk, seconds=60)  # another worker's attempt
    assert held is not None

    tasks.deliver.delay(delivery.pk)

    delivery.refresh_from_db()
    assert hook.received == []
    assert delivery.attempts.count() == 0
    assert delivery.attempt_count == 0
    assert delivery.status == "pending"
    assert delivery.enqueued_at is None  # the sweeper queues it again once due
    assert timezone.now() + timedelta(seconds=1) < delivery.next_attempt_at < timezone.now() + timedelta(seconds=4)

    slots.slot_release(held)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    tasks.deliver.delay(delivery.pk)
    assert len(hook.received) == 1
    assert Delivery.objects.get(pk=delivery.pk).status == "succeeded"
    assert slots.in_flight(endpoint_id=delivery.endpoint_id) == 0  # released after the attempt


@pytest.mark.redis
def test_the_user_cap_spans_all_their_endpoints(alice, bob, settings):
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_USER = 2
    first = slots.slot_take(endpoint_id=1, user_id=alice.pk, seconds=60)
    second = slots.slot_take(endpoint_id=2, user_id=alice.pk, seconds=60)

    assert first and second
    assert slots.slot_take(endpoint_id=3, user_id=alice.pk, seconds=60) is None
    assert slots.slot_take(endpoint_id=4, user_id=bob.pk, seconds=60) is not None
    slots.slot_release(first)
    assert slots.slot_take(endpoint_id=3, user_id=alice.pk, seconds=60) is not None


@pytest.mark.redis
def test_a_slot_of_a_worker_that_died_expires_with_its_lease(alice, settings):
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT = 1
    assert slots.slot_take(endpoint_id=7, user_id=alice.pk, seconds=0.3) is not None  # never released
    assert slots.slot_take(endpoint_id=7, user_id=alice.pk, seconds=60) is None
    time.sleep(0.4)
    assert slots.slot_take(endpoint_id=7, user_id=alice.pk, seconds=60) is not None


@pytest.mark.redis
def test_a_test_event_put_back_keeps_reaching_a_switched_off_endpoint(alice, receiver, settings, monkeypatch):
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT = 1
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url, active=False)
    delivery = DeliveryFactory(endpoint=endpoint)
    held = slots.slot_take(endpoint_id=endpoint.pk, user_id=alice.pk, seconds=60)
    later = []
    monkeypatch.setattr(tasks.deliver, "apply_async", lambda *a, **kw: later.append((a, kw)))
    monkeypatch.setattr(tasks.deliver.app.conf, "task_always_eager", False)  # as on a real worker

    services.delivery_attempt(delivery_id=delivery.pk, force=True)

    [(args, options)] = later
    assert args == ((delivery.pk,), {"force": True})
    assert 2 <= options["countdown"] <= 3
    assert Delivery.objects.get(pk=delivery.pk).status == "pending"
    slots.slot_release(held)


@pytest.mark.redis
def test_in_eager_mode_a_forced_delivery_put_back_waits_in_the_database(alice, receiver, settings):
    settings.WEBHOOKS_MAX_IN_FLIGHT_PER_ENDPOINT = 1
    hook = receiver()
    delivery = DeliveryFactory(endpoint__user=alice, endpoint__url=hook.url)
    held = slots.slot_take(endpoint_id=delivery.endpoint_id, user_id=alice.pk, seconds=60)

    tasks.deliver.delay(delivery.pk, force=True)  # eager: a countdown task would run again at once, for ever

    delivery.refresh_from_db()
    assert hook.received == []
    assert delivery.attempt_count == 0
    assert delivery.next_attempt_at > timezone.now()
    slots.slot_release(held)
