import asyncio
import gc
import weakref

import httpx
import pytest

from providers.base import ProviderError
from providers.http import BlockedAddress, async_client, is_public_address, sync_client
from providers.registry import get_adapter
from tests.providers.helpers import ask


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
        "2002:7f00:1::",
        "64:ff9b::7f00:1",
        "not an ip",
    ],
)
def test_non_public_addresses_are_refused(address):
    assert is_public_address(address) is False


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert is_public_address(address) is True


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/",
        "http://10.0.0.1:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://localhost:{port}/",  # a name: refused because of what it resolves to
    ],
)
async def test_guarded_async_client_refuses_private_destinations_at_connect_time(fake_upstream, url):
    port = fake_upstream.url.rsplit(":", 1)[1]
    async with async_client(allow_private=False) as client:
        with pytest.raises(BlockedAddress):
            await client.get(url.format(port=port))


def test_guarded_sync_client_refuses_localhost(fake_upstream):
    port = fake_upstream.url.rsplit(":", 1)[1]
    with sync_client(allow_private=False) as client, pytest.raises(BlockedAddress):
        client.get(f"http://localhost:{port}/_fake/stats")


async def test_unguarded_client_reaches_private_addresses(fake_upstream):
    async with async_client(allow_private=True) as client:
        response = await client.get(fake_upstream.url + "/_fake/stats")

    assert response.status_code == 200


async def test_redirects_are_not_followed_by_default(fake_upstream):
    async with async_client(allow_private=True) as client:
        assert client.follow_redirects is False
        assert client.headers["user-agent"] == "Switchboard/1.0"


async def test_an_adapter_for_a_user_supplied_url_refuses_private_upstreams(config_for, fake_upstream):
    adapter = get_adapter(config_for("openai_compatible", allow_private=False))
    with pytest.raises(ProviderError) as caught:
        await adapter.chat(ask("gpt-4o-mini@guarded"))

    assert caught.value.kind == "bad_request"
    assert fake_upstream.requests("openai", "gpt-4o-mini@guarded") == 0


async def test_names_that_do_not_resolve_are_connection_errors():
    async with async_client(allow_private=False) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("http://does-not-exist.invalid/")


def test_a_shared_client_is_closed_when_its_event_loop_ends(fake_upstream):
    """async_to_sync (WSGI, Celery, Django's test client) runs each call on a loop of its own: the
    loop's shared client, and its pooled connections, must end with it."""
    from asgiref.sync import async_to_sync

    from providers.http import shared_async_client

    seen = []

    async def call() -> int:
        client = shared_async_client(allow_private=True)
        seen.append((client, weakref.ref(asyncio.get_running_loop())))
        return (await client.get(fake_upstream.url + "/_fake/stats")).status_code

    assert async_to_sync(call)() == 200
    client, loop = seen.pop()
    assert client.is_closed
    del client  # it holds its loop, as any of our references would
    gc.collect()
    assert loop() is None  # nothing keeps an ended loop (and what it held) alive
