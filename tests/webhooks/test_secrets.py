"""Secrets a client of the product spec sends: the spec's own example, other raw secrets, and `whsec_` ones."""

import base64
import hashlib
import hmac

import pytest

from tests.webhooks.conftest import Received, verify
from webhooks import signing
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

# The product spec's "Create Webhook" request, copied as it stands.
SPEC_CREATE = {
    "url": "https://your-app.com/webhook",
    "events": ["ai.task.completed", "ai.task.failed"],
    "secret": "your-webhook-secret",
}


def raw_signature_ok(secret: str, request: Received) -> bool:
    """What a receiver with a plain secret does: HMAC-SHA256 over "id.timestamp.body" keyed by its UTF-8 bytes."""
    signed = f"{request.headers['webhook-id']}.{request.headers['webhook-timestamp']}.".encode() + request.body
    expected = base64.b64encode(hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).digest()).decode()
    offered = [s.split(",", 1)[1] for s in request.headers["webhook-signature"].split()]
    return any(hmac.compare_digest(expected, s) for s in offered)


def test_the_spec_example_secret_is_accepted_and_kept(alice_api, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    response = alice_api.post("/api/v1/webhooks", SPEC_CREATE, format="json")

    assert response.status_code == 201, response.content
    assert response.json()["data"]["webhook"]["secret"] == "your-webhook-secret"
    assert WebhookEndpoint.objects.get().secret == "your-webhook-secret"


@pytest.mark.parametrize("secret", ["fifteen-chars!!", "short", "whsec_not base64!", "whsec_" + "A" * 8])
def test_short_raw_secrets_and_broken_whsec_secrets_are_refused(alice_api, secret):
    response = alice_api.post("/api/v1/webhooks", {**SPEC_CREATE, "secret": secret}, format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert "16" in error["details"]["secret"][0]


def test_a_raw_secret_signs_with_its_utf8_bytes(alice_api, receiver, committing):
    hook = receiver()
    secret = "mot-de-passe-très-secret"  # not ASCII: the key is the UTF-8 encoding
    webhook = alice_api.post("/api/v1/webhooks", {**SPEC_CREATE, "url": hook.url, "secret": secret}, format="json")
    with committing(execute=True):
        alice_api.post(f"/api/v1/webhooks/{webhook.json()['data']['webhook']['id']}/test")

    [request] = hook.wait_for(1)
    assert raw_signature_ok(secret, request)
    assert not raw_signature_ok(secret + "x", request)


def test_a_whsec_secret_still_verifies_with_the_standardwebhooks_package(alice_api, receiver, committing):
    hook = receiver()
    secret = signing.generate_secret()
    webhook = alice_api.post("/api/v1/webhooks", {**SPEC_CREATE, "url": hook.url, "secret": secret}, format="json")
    with committing(execute=True):
        alice_api.post(f"/api/v1/webhooks/{webhook.json()['data']['webhook']['id']}/test")

    [request] = hook.wait_for(1)
    assert verify(secret, request)["event"] == "webhook.test"


def test_rotating_to_a_raw_secret_is_accepted(alice_api, alice_endpoint):
    response = alice_api.post(
        f"/api/v1/webhooks/{alice_endpoint.pk}/rotate-secret", {"secret": "a-plain-secret-of-my-own"}, format="json"
    )
    assert response.status_code == 200
    alice_endpoint.refresh_from_db()
    assert alice_endpoint.secret == "a-plain-secret-of-my-own"
