"""DNS rebinding, for the two kinds of URL a user (or an admin) types in: webhook receivers and
custom provider endpoints. The host name answers with a public address when it is looked up to be
checked, and with loopback at any later lookup. The check is worth something only if the connection
goes to the address that was checked: a guard that checks, then lets the connection look the name up
again, reaches loopback here.
"""

import socket
from urllib.parse import urlsplit

import pytest

from tests.factories import AIModelFactory, DeliveryFactory, ProviderFactory
from tests.webhooks.conftest import Reply, receiver  # noqa: F401  (the receiver fixture)
from webhooks import tasks
from webhooks.models import DeliveryAttempt

PUBLIC = "93.184.216.34"  # a globally routable address; nothing of ours listens there


class FlippingDNS:
    """`socket.getaddrinfo` for one host name: a public answer first, loopback ever after."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.lookups = 0
        self._real = socket.getaddrinfo

    def __call__(self, host: str, port: object, *args: object, **kwargs: object) -> list:
        if host != self.host:
            return self._real(host, port, *args, **kwargs)
        self.lookups += 1
        return self._real(PUBLIC if self.lookups == 1 else "127.0.0.1", port, *args, **kwargs)


@pytest.fixture
def flipping(monkeypatch):
    def install(host: str) -> FlippingDNS:
        dns = FlippingDNS(host)
        monkeypatch.setattr(socket, "getaddrinfo", dns)
        return dns

    return install


@pytest.mark.django_db
def test_a_webhook_host_that_turns_to_loopback_after_its_check_is_never_reached(
    alice, receiver, flipping, settings  # noqa: F811
):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    settings.WEBHOOKS_TIMEOUT_SECONDS = 3.0  # whatever the public address does, the attempt ends soon
    hook = receiver([Reply(200)])
    dns = flipping("hooks.rebind.example")
    delivery = DeliveryFactory(
        endpoint__user=alice, endpoint__url=f"http://hooks.rebind.example:{hook.server.server_address[1]}/hook"
    )

    tasks.deliver.delay(delivery.pk)

    attempt = DeliveryAttempt.objects.get(delivery=delivery)
    assert hook.received == []  # loopback was never reached
    assert dns.lookups == 1  # one answer, checked, and that answer was the one connected to
    assert attempt.status_code != 200


@pytest.mark.django_db
def test_an_admin_added_provider_host_that_turns_to_loopback_after_its_check_is_never_reached(
    client, alice, fake_upstream, flipping, settings
):
    settings.ALLOW_PRIVATE_URLS = False  # production: admin-added URLs may not reach private addresses
    settings.PROVIDER_CONNECT_TIMEOUT = 3.0
    settings.PROVIDER_MAX_RETRIES = 0
    upstream = urlsplit(fake_upstream.base_url("openai"))
    base_url = upstream._replace(netloc=f"llm.rebind.example:{upstream.port}").geturl()
    lab = ProviderFactory(slug="lab", adapter_kind="openai_compatible", base_url=base_url, api_key="k", is_custom=True)
    model = AIModelFactory(provider=lab, upstream_id="gpt-4o-mini@rebind")
    dns = flipping("llm.rebind.example")
    client.force_login(alice)

    response = client.post(
        "/api/v1/ai/chat",
        {"model": model.slug, "messages": [{"role": "user", "content": "Who is there?"}]},
        content_type="application/json",
    )

    assert response.status_code != 200
    assert fake_upstream.requests("openai", "gpt-4o-mini@rebind") == 0  # loopback was never reached
    assert dns.lookups == 1
