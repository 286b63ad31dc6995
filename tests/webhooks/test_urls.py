"""Webhook URLs are parsed when saved by the client that delivers them; one that still cannot be
parsed at delivery time ends as a failed attempt instead of being claimed again forever."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import WebhookEndpointFactory
from webhooks import services, tasks
from webhooks.models import Delivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

UNPARSEABLE = [
    "http://0177.0.0.1/hook",  # octal: httpx refuses it, some resolvers read 127.0.0.1
    "http://127.000.000.001/hook",
    "http://exa mple.com/hook",
    "http://example..com/hook",
    "http://-bad-.example.com/hook",
    "http://example.com:99999/hook",
    "http://example.com:0/hook",
]
# Other spellings of an IPv4 address, which inet_aton (and so getaddrinfo) reads as one.
NUMERIC = ["http://2130706433/hook", "http://0x7f.0.0.1/hook", "http://127.1/hook", "http://0/hook", "http://10.1/x"]
PRIVATE = [
    "http://127.0.0.1./hook",
    "http://localhost./hook",
    "http://[::ffff:7f00:1]/hook",
    "http://[fe80::1%25eth0]/",
]


def create(client, url: str):
    return client.post("/api/v1/webhooks", {"url": url, "events": ["ai.task.completed"]}, format="json")


@pytest.mark.parametrize("url", UNPARSEABLE + NUMERIC)
def test_urls_the_client_cannot_use_are_refused_even_where_private_urls_are_allowed(alice_api, url):
    response = create(alice_api, url)

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert error["details"]["url"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", PRIVATE)
def test_private_addresses_in_other_spellings_are_refused(alice_api, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    response = create(alice_api, url)

    assert response.status_code == 400, response.content
    assert "private" in response.json()["error"]["details"]["url"][0]


@pytest.mark.parametrize("url", ["https://example.com/hook", "https://пример.рф/hook", "http://93.184.215.14:8080/x"])
def test_ordinary_urls_are_kept_as_written(alice_api, settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    assert create(alice_api, url).json()["data"]["webhook"]["url"] == url


def test_the_update_and_the_page_form_use_the_same_check(alice_api, alice):
    endpoint = WebhookEndpointFactory(user=alice)
    response = alice_api.put(f"/api/v1/webhooks/{endpoint.pk}", {"url": "http://0177.0.0.1/hook"}, format="json")
    assert response.status_code == 400

    browser = Client()
    browser.force_login(alice)
    page = browser.post(reverse("webhooks:index"), {"url": "http://0177.0.0.1/hook", "events": ["quota.warning"]})
    assert page.status_code == 200
    assert "Invalid IPv4 address" in page.content.decode()
    assert WebhookEndpoint.objects.count() == 1


def test_a_stored_url_that_cannot_be_parsed_ends_as_a_failed_attempt(alice, django_capture_on_commit_callbacks):
    # A row saved before URLs were parsed at save time.
    endpoint = WebhookEndpointFactory(user=alice, url="http://0177.0.0.1/hook")
    with django_capture_on_commit_callbacks(execute=True):
        [delivery_id] = services.event_emit(user_id=alice.pk, event="ai.task.completed", payload={"task_id": "t"})

    delivery = Delivery.objects.get(pk=delivery_id)
    [attempt] = delivery.attempts.all()
    assert delivery.status == "failed"
    assert delivery.next_attempt_at is None
    assert attempt.finished_at is not None
    assert attempt.status_code is None
    assert "Invalid IPv4 address" in attempt.error
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None

    # The sweeper has nothing left to claim.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.deliver_due.delay().get() == 0
    assert delivery.attempts.count() == 1
