"""With production settings, deliveries never reach private, loopback or link-local addresses,
whatever the URL's host name resolves to when the connection is made (a name whose answer changes
between the check and the connection: tests/providers/test_dns_rebinding.py)."""

import os
import subprocess
import sys

import pytest

from tests.factories import DeliveryFactory, WebhookEndpointFactory
from webhooks import tasks
from webhooks.models import DeliveryAttempt

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _production_like(settings) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False


REFUSED_HOSTS = ["127.0.0.1", "10.0.0.1", "169.254.169.254", "[::1]", "[::ffff:127.0.0.1]", "100.64.0.1", "localhost"]


def attempt_to(url: str, alice) -> DeliveryAttempt:
    delivery = DeliveryFactory(endpoint__user=alice, endpoint__url=url)
    tasks.deliver.delay(delivery.pk)
    return DeliveryAttempt.objects.get(delivery=delivery)


@pytest.mark.parametrize("host", REFUSED_HOSTS)
def test_a_delivery_to_a_private_address_is_refused_and_recorded(alice, receiver, host):
    hook = receiver()
    port = hook.server.server_address[1]

    attempt = attempt_to(f"http://{host}:{port}/hook", alice)

    assert attempt.status_code is None
    assert "not a public address" in attempt.error or "not allowed" in attempt.error
    assert hook.received == []
    assert attempt.delivery.status == "retrying"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/x", "http://10.0.0.1/x", "http://169.254.169.254/latest", "http://[::1]/x", "http://localhost/"],
)
def test_private_literal_addresses_are_refused_when_creating(alice_api, url):
    response = alice_api.post("/api/v1/webhooks", {"url": url, "events": ["quota.warning"]}, format="json")
    assert response.status_code == 400
    assert "url" in response.json()["error"]["details"]


def test_development_settings_may_allow_loopback(alice, receiver, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    delivery = DeliveryFactory(endpoint=endpoint)
    tasks.deliver.delay(delivery.pk)
    assert len(hook.received) == 1


def test_production_settings_keep_private_urls_off_even_if_the_environment_asks():
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k3y-" + "x9Qz" * 16,
        ALLOWED_HOSTS="switchboard.example.com",
        WEBHOOKS_ALLOW_PRIVATE_URLS="true",
    )
    code = "from django.conf import settings; print(settings.WEBHOOKS_ALLOW_PRIVATE_URLS)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr
