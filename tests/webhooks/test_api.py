"""`/api/v1/webhooks`: shapes of the product spec, owner-only access, API key scopes."""

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create
from tests.factories import DeliveryFactory, WebhookEndpointFactory
from tests.webhooks.conftest import verify
from webhooks import signing
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

EVENTS = ["ai.task.completed", "ai.task.failed"]


def create(client: APIClient, **body):
    return client.post("/api/v1/webhooks", {"url": "https://example.com/hook", "events": EVENTS, **body}, format="json")


def key_client(user, scopes: list[str]) -> APIClient:
    _, raw = api_key_create(user=user, name="k", scopes=scopes, expires_in_days=1)
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw)
    return client


def test_creating_a_webhook_generates_a_secret_shown_once(alice_api):
    response = create(alice_api)

    assert response.status_code == 201
    webhook = response.json()["data"]["webhook"]
    assert webhook["url"] == "https://example.com/hook"
    assert webhook["events"] == EVENTS
    assert webhook["active"] is True
    assert webhook["last_delivery"] is None
    assert signing.is_valid_secret(webhook["secret"])
    shown_later = alice_api.get(f"/api/v1/webhooks/{webhook['id']}").json()["data"]["webhook"]
    assert "secret" not in shown_later
    listed = alice_api.get("/api/v1/webhooks").json()["data"]["webhooks"]
    assert "secret" not in listed[0]


def test_the_secret_is_stored_encrypted(alice_api):
    secret = create(alice_api).json()["data"]["webhook"]["secret"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhookendpoint")
        [(stored,)] = cursor.fetchall()
    assert stored
    assert secret.removeprefix("whsec_") not in stored


def test_a_secret_i_choose_is_kept_if_it_is_a_standard_webhooks_secret_or_long_enough(alice_api):
    secret = signing.generate_secret(24)
    assert create(alice_api, secret=secret).json()["data"]["webhook"]["secret"] == secret
    assert create(alice_api, secret="your-webhook-secret").json()["data"]["webhook"]["secret"] == "your-webhook-secret"
    response = create(alice_api, secret="too-short")
    assert response.status_code == 400
    assert "secret" in response.json()["error"]["details"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "example.com/hook",
        "http://",
        "gopher://x",
    ],
)
def test_only_http_and_https_urls_are_accepted(alice_api, url):
    response = create(alice_api, url=url)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
    assert "url" in response.json()["error"]["details"]


def test_unknown_or_missing_events_are_refused(alice_api):
    assert create(alice_api, events=["ai.task.exploded"]).status_code == 400
    assert create(alice_api, events=[]).status_code == 400
    assert create(alice_api, events=["webhook.test"]).status_code == 400


def test_the_list_is_paginated_and_holds_only_my_webhooks(alice_api, alice, bob):
    for n in range(3):
        WebhookEndpointFactory(user=alice, url=f"https://example.com/{n}")
    WebhookEndpointFactory(user=bob)

    data = alice_api.get("/api/v1/webhooks?limit=2").json()["data"]

    assert data["pagination"] == {"page": 1, "limit": 2, "total": 3, "pages": 2, "has_next": True, "has_prev": False}
    assert [w["url"] for w in data["webhooks"]] == ["https://example.com/2", "https://example.com/1"]


def test_updating_changes_only_the_fields_given(alice_api, alice_endpoint):
    response = alice_api.put(
        f"/api/v1/webhooks/{alice_endpoint.pk}", {"url": "https://example.com/new", "active": False}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Webhook updated successfully"
    alice_endpoint.refresh_from_db()
    assert (alice_endpoint.url, alice_endpoint.active) == ("https://example.com/new", False)
    assert len(alice_endpoint.events) == 3


def test_deleting_a_webhook(alice_api, alice_endpoint):
    response = alice_api.delete(f"/api/v1/webhooks/{alice_endpoint.pk}")
    assert response.status_code == 200
    assert response.json()["message"] == "Webhook deleted successfully"
    assert not WebhookEndpoint.objects.filter(pk=alice_endpoint.pk).exists()


def test_rotating_the_secret_returns_the_new_one_and_keeps_the_old_for_a_while(alice_api, alice_endpoint):
    old = alice_endpoint.secret
    response = alice_api.post(f"/api/v1/webhooks/{alice_endpoint.pk}/rotate-secret", {}, format="json")
    assert response.status_code == 200
    new = response.json()["data"]["webhook"]["secret"]
    alice_endpoint.refresh_from_db()
    assert new != old
    assert alice_endpoint.secret == new
    assert alice_endpoint.previous_secret == old
    assert response.json()["data"]["previous_secret_expires_at"]


def test_sending_a_test_event_delivers_a_signed_webhook_test(alice_api, alice, receiver, committing):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)

    with committing(execute=True):
        response = alice_api.post(f"/api/v1/webhooks/{endpoint.pk}/test")

    assert response.status_code == 202
    delivery = response.json()["data"]["delivery"]
    assert delivery["event"] == "webhook.test"
    [request] = hook.received
    assert verify(endpoint.secret, request)["event"] == "webhook.test"
    assert request.webhook_id == delivery["webhook_id"]


def test_the_delivery_log_lists_deliveries_with_their_attempts(alice_api, alice, receiver, committing):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    for _ in range(2):
        with committing(execute=True):
            alice_api.post(f"/api/v1/webhooks/{endpoint.pk}/test")

    data = alice_api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries?limit=1").json()["data"]

    assert data["pagination"]["total"] == 2
    [item] = data["items"]
    assert item["status"] == "succeeded"
    [attempt] = item["attempts"]
    assert attempt["status_code"] == 200
    assert attempt["response_excerpt"] == '{"ok": true}'
    assert attempt["duration_ms"] >= 0
    assert attempt["error"] == ""


def test_redelivering_sends_the_same_webhook_id_again(alice_api, alice, receiver, committing):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    with committing(execute=True):
        first = alice_api.post(f"/api/v1/webhooks/{endpoint.pk}/test").json()["data"]["delivery"]

    with committing(execute=True):
        response = alice_api.post(f"/api/v1/webhooks/deliveries/{first['id']}/redeliver")

    assert response.status_code == 202
    assert response.json()["data"]["delivery"]["webhook_id"] == first["webhook_id"]
    assert [r.webhook_id for r in hook.received] == [first["webhook_id"]] * 2


# --- who may do what ---------------------------------------------------------------------------------

ENDPOINT_CALLS = [
    ("get", "/api/v1/webhooks/{id}"),
    ("put", "/api/v1/webhooks/{id}"),
    ("delete", "/api/v1/webhooks/{id}"),
    ("get", "/api/v1/webhooks/{id}/deliveries"),
    ("post", "/api/v1/webhooks/{id}/test"),
    ("post", "/api/v1/webhooks/{id}/rotate-secret"),
]


@pytest.mark.parametrize(("method", "path"), ENDPOINT_CALLS)
def test_another_users_webhook_is_not_found(alice_api, bob_endpoint, method, path):
    response = getattr(alice_api, method)(path.format(id=bob_endpoint.pk), {"active": False}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"
    bob_endpoint.refresh_from_db()
    assert bob_endpoint.active
    assert not bob_endpoint.deliveries.exists()


@pytest.mark.parametrize(
    ("method", "path"), [*ENDPOINT_CALLS, ("get", "/api/v1/webhooks"), ("post", "/api/v1/webhooks")]
)
def test_signed_out_callers_are_refused(api, alice_endpoint, method, path):
    response = getattr(api, method)(path.format(id=alice_endpoint.pk), {}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTHENTICATION_ERROR"


def test_another_users_delivery_cannot_be_redelivered(alice_api, bob):
    delivery = DeliveryFactory(endpoint__user=bob)
    assert alice_api.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver").status_code == 404
    assert delivery.endpoint.deliveries.count() == 1


def test_redelivery_needs_sign_in(api, alice):
    delivery = DeliveryFactory(endpoint__user=alice)
    assert api.post(f"/api/v1/webhooks/deliveries/{delivery.pk}/redeliver").status_code == 401


def test_an_api_key_with_webhooks_read_can_list_but_not_change(alice, alice_endpoint):
    client = key_client(alice, ["webhooks:read"])
    assert client.get("/api/v1/webhooks").status_code == 200
    assert client.get(f"/api/v1/webhooks/{alice_endpoint.pk}/deliveries").status_code == 200
    response = create(client)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "AUTHORIZATION_ERROR"
    assert client.delete(f"/api/v1/webhooks/{alice_endpoint.pk}").status_code == 403


def test_an_api_key_with_webhooks_write_can_manage_webhooks(alice):
    client = key_client(alice, ["webhooks:write"])
    assert create(client).status_code == 201
    assert client.get("/api/v1/webhooks").status_code == 200


def test_an_api_key_without_webhook_scopes_is_refused(alice):
    client = key_client(alice, ["ai:read", "ai:write", "usage:read"])
    assert client.get("/api/v1/webhooks").status_code == 403
    assert create(client).status_code == 403
