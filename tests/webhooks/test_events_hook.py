"""The gateway's events (usage.events.emit) reach webhook endpoints, exactly once."""

import pytest
from django.db import transaction

from tests.factories import WebhookEndpointFactory
from tests.webhooks.conftest import verify
from usage import events

pytestmark = pytest.mark.django_db


def test_an_event_emitted_by_the_gateway_is_delivered_once(alice, receiver, committing):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url, events=["quota.warning"])
    payload = {"quota_type": "daily", "used": 45, "limit": 50, "percentage": 90}

    with committing(execute=True), transaction.atomic():
        events.emit("quota.warning", user_id=alice.pk, payload=payload)

    [request] = hook.wait_for(1)
    body = verify(endpoint.secret, request)
    assert body["event"] == "quota.warning"
    assert body["data"] | payload == body["data"]  # the payload as given, plus user_id and timestamp
    assert body["data"]["user_id"] == str(alice.pk)
