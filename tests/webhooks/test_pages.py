"""The webhooks page under /settings/webhooks/: owner, another user, and signed out."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import DeliveryFactory, WebhookEndpointFactory
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_browser(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


def test_creating_an_endpoint_shows_its_secret_once(alice_browser, alice):
    response = alice_browser.post(
        reverse("webhooks:index"), {"url": "https://example.com/hook", "events": ["quota.warning"]}, follow=True
    )
    endpoint = WebhookEndpoint.objects.get(user=alice)
    assert endpoint.events == ["quota.warning"]
    assert endpoint.secret in response.content.decode()
    again = alice_browser.get(reverse("webhooks:detail", args=[endpoint.pk]))
    assert endpoint.secret not in again.content.decode()


def test_a_bad_url_is_explained_on_the_form(alice_browser, alice):
    response = alice_browser.post(reverse("webhooks:index"), {"url": "ftp://example.com", "events": ["quota.warning"]})
    assert response.status_code == 200
    assert "Only http and https" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_the_list_shows_my_endpoints_and_a_notice_for_switched_off_ones(alice_browser, alice, bob):
    WebhookEndpointFactory(user=alice, url="https://mine.example.com/a")
    WebhookEndpointFactory(user=alice, url="https://off.example.com/", active=False, disabled_reason="Failed 5 days.")
    WebhookEndpointFactory(user=bob, url="https://bobs.example.com/")
    page = alice_browser.get(reverse("webhooks:index")).content.decode()
    assert "https://mine.example.com/a" in page
    assert "switched off: Failed 5 days." in page
    assert "bobs.example.com" not in page


def test_editing_an_endpoint(alice_browser, alice_endpoint):
    url = reverse("webhooks:detail", args=[alice_endpoint.pk])
    alice_browser.post(url, {"url": "https://example.com/edited", "events": ["ai.task.failed"]})
    alice_endpoint.refresh_from_db()
    assert (alice_endpoint.url, alice_endpoint.events) == ("https://example.com/edited", ["ai.task.failed"])


def test_the_detail_page_shows_deliveries_with_their_attempts(alice_browser, alice, receiver, committing):
    hook = receiver()
    endpoint = WebhookEndpointFactory(user=alice, url=hook.url)
    with committing(execute=True):
        response = alice_browser.post(reverse("webhooks:test", args=[endpoint.pk]), HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert 'id="wh-deliveries"' in page
    assert "<html" not in page  # an htmx partial
    assert "webhook.test" in page
    refreshed = alice_browser.get(reverse("webhooks:detail", args=[endpoint.pk]), HTTP_HX_REQUEST="true")
    assert ">200<" in refreshed.content.decode()
    full = alice_browser.get(reverse("webhooks:detail", args=[endpoint.pk])).content.decode()
    assert endpoint.deliveries.get().webhook_id in full


def test_redeliver_toggle_and_rotate_from_the_page(alice_browser, alice, receiver, committing):
    hook = receiver()
    delivery = DeliveryFactory(endpoint__user=alice, endpoint__url=hook.url)
    endpoint = delivery.endpoint
    old_secret = endpoint.secret
    with committing(execute=True):
        alice_browser.post(reverse("webhooks:redeliver", args=[delivery.pk]), HTTP_HX_REQUEST="true")
    assert len(hook.received) == 1
    toggled = alice_browser.post(reverse("webhooks:toggle", args=[endpoint.pk]), HTTP_HX_REQUEST="true")
    assert "Switch on" in toggled.content.decode()
    response = alice_browser.post(reverse("webhooks:rotate-secret", args=[endpoint.pk]), follow=True)
    endpoint.refresh_from_db()
    assert not endpoint.active
    assert endpoint.secret != old_secret
    assert endpoint.secret in response.content.decode()


def test_deleting_from_the_page(alice_browser, alice_endpoint):
    alice_browser.post(reverse("webhooks:delete", args=[alice_endpoint.pk]))
    assert not WebhookEndpoint.objects.filter(pk=alice_endpoint.pk).exists()


PAGES = [
    ("get", "webhooks:detail"),
    ("post", "webhooks:detail"),
    ("post", "webhooks:toggle"),
    ("post", "webhooks:test"),
    ("post", "webhooks:rotate-secret"),
    ("post", "webhooks:delete"),
]


@pytest.mark.parametrize(("method", "name"), PAGES)
def test_another_users_endpoint_is_not_found(alice_browser, bob_endpoint, method, name):
    response = getattr(alice_browser, method)(reverse(name, args=[bob_endpoint.pk]), {"url": "https://x.example"})
    assert response.status_code == 404
    bob_endpoint.refresh_from_db()
    assert bob_endpoint.active
    assert not bob_endpoint.deliveries.exists()


def test_another_users_delivery_cannot_be_redelivered_from_the_page(alice_browser, bob):
    delivery = DeliveryFactory(endpoint__user=bob)
    assert alice_browser.post(reverse("webhooks:redeliver", args=[delivery.pk])).status_code == 404


@pytest.mark.parametrize(("method", "name"), [*PAGES, ("get", "webhooks:index")])
def test_signed_out_visitors_are_sent_to_sign_in(client, alice_endpoint, method, name):
    args = [] if name == "webhooks:index" else [alice_endpoint.pk]
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert WebhookEndpoint.objects.filter(pk=alice_endpoint.pk, active=True).exists()
