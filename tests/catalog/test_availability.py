"""Whether a user can call a model now, and why not: needs a key, local server not answering, disabled."""

import time

import pytest
from django.core.cache import cache

from catalog.availability import model_availability
from catalog.reachability import probe_now
from catalog.services import user_provider_key_set
from tests.factories import AIModelFactory, ProviderFactory, UserFactory


@pytest.fixture
def no_platform_keys(settings):
    settings.PROVIDER_SETTINGS = {
        **settings.PROVIDER_SETTINGS,
        "openai": {"api_key": "", "base_url": "https://api.openai.com/v1"},
    }


@pytest.fixture
def openai_mini(db, no_platform_keys):
    return AIModelFactory(
        provider=ProviderFactory(slug="openai", name="OpenAI", adapter_kind="openai"), upstream_id="gpt-4o-mini"
    )


@pytest.fixture
def demo_swift(db):
    return AIModelFactory(provider=ProviderFactory(slug="demo", name="Demo", adapter_kind="demo"), upstream_id="swift")


def _items(client, **params) -> dict:
    return {m["slug"]: m for m in client.get("/api/models", params).json()["data"]["items"]}


def _state(item: dict) -> tuple:
    return item["available"], item["unavailable_reason"]


def test_a_provider_without_any_key_needs_one(api, openai_mini, demo_swift):
    items = _items(api)
    assert _state(items["openai/gpt-4o-mini"]) == (False, "needs_key")
    assert "OpenAI needs an API key" in items["openai/gpt-4o-mini"]["unavailable_message"]
    assert _state(items["demo/swift"]) == (True, None)


def test_a_users_own_key_makes_the_model_available_to_that_user_only(alice, bob, jwt_for, openai_mini):
    from rest_framework.test import APIClient

    user_provider_key_set(user=alice, provider=openai_mini.provider, api_key="sk-alice-0001")
    as_alice, as_bob = APIClient(), APIClient()
    as_alice.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(alice)['token']}")
    as_bob.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(bob)['token']}")
    assert _state(_items(as_alice)["openai/gpt-4o-mini"]) == (True, None)
    assert _state(_items(as_bob)["openai/gpt-4o-mini"]) == (False, "needs_key")


def test_a_platform_key_in_the_environment_makes_it_available(api, openai_mini, settings):
    settings.PROVIDER_SETTINGS = {**settings.PROVIDER_SETTINGS, "openai": {"api_key": "sk-platform", "base_url": ""}}
    assert _state(_items(api)["openai/gpt-4o-mini"]) == (True, None)


def test_disabled_models_and_providers_say_so(openai_mini, demo_swift):
    openai_mini.is_active = False
    assert model_availability(openai_mini).reason == "disabled"
    demo_swift.provider.enabled = False
    assert model_availability(demo_swift).message == "Demo is turned off by an administrator."
    demo_swift.provider.enabled = True
    demo_swift.status = "maintenance"
    assert model_availability(demo_swift).message == "This model is maintenance."


def _wait_for_probe(provider, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not any(key.startswith("catalog:reach") for key in _reach_keys(provider)):
        assert time.monotonic() < deadline, "the background probe never answered"
        time.sleep(0.02)


def _reach_keys(provider) -> list[str]:
    from catalog.reachability import _target

    key = _target(provider).key
    return [key] if cache.get(key) is not None else []


def test_an_unreachable_local_server_is_marked_after_a_background_probe(api, db, closed_port):
    ollama = ProviderFactory(slug="ollama", name="Ollama", adapter_kind="ollama", base_url=closed_port)
    AIModelFactory(provider=ollama, upstream_id="llama3.2")
    # Nothing known yet: the page does not wait, it starts a probe and shows the model.
    assert _state(_items(api)["ollama/llama3.2"]) == (True, None)
    _wait_for_probe(ollama)
    item = _items(api)["ollama/llama3.2"]
    assert _state(item) == (False, "local_unreachable")
    assert item["unavailable_message"] == "The Ollama server is not answering."
    assert closed_port not in item["unavailable_message"]  # an internal address is not shown to the world


def test_a_running_local_server_is_available(api, db, fake_upstream):
    ollama = ProviderFactory(
        slug="ollama", name="Ollama", adapter_kind="ollama", base_url=fake_upstream.base_url("ollama")
    )
    AIModelFactory(provider=ollama, upstream_id="llama3.2")
    assert probe_now(ollama).ok is True
    assert _state(_items(api)["ollama/llama3.2"]) == (True, None)


def test_a_hung_local_server_never_holds_up_the_page(client, db, silent_server):
    ollama = ProviderFactory(slug="ollama", name="Ollama", adapter_kind="ollama", base_url=silent_server)
    AIModelFactory(provider=ollama, upstream_id="llama3.2")
    for path in ("/api/models", "/models/", "/models/ollama/llama3.2/"):
        started = time.monotonic()
        assert client.get(path).status_code == 200
        assert time.monotonic() - started < 1.0, path  # the probe waits up to 2 s, the page does not
    _wait_for_probe(ollama, seconds=6)  # the probe gives up after its own short timeout
    assert model_availability(ollama.models.get()).reason == "local_unreachable"


def test_the_list_asks_once_for_the_users_keys_whatever_the_number_of_models(
    alice, jwt_for, no_platform_keys, django_assert_max_num_queries
):
    from rest_framework.test import APIClient

    providers = [ProviderFactory(slug=f"p{i}", adapter_kind="openai") for i in range(5)]
    for provider in providers:
        AIModelFactory.create_batch(4, provider=provider)
        user_provider_key_set(user=alice, provider=provider, api_key=f"sk-{provider.slug}-0000")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(alice)['token']}")
    client.get("/api/models")  # warm the per-process caches (catalog version, the user's key flag)
    with django_assert_max_num_queries(6) as captured:
        items = _items(client, limit=20)
    assert len(items) == 20 and all(item["available"] for item in items.values())
    key_queries = [q["sql"] for q in captured.captured_queries if "userproviderkey" in q["sql"]]
    assert len(key_queries) == 1


def test_the_catalog_pages_show_the_badge_and_how_to_fix_it(client, openai_mini, password):
    card = " ".join(client.get("/models/").content.decode().split())
    assert '<span class="badge avail-needs_key">Needs an API key</span>' in card
    assert "Sign in to add your own key" in card
    user = UserFactory(username="carol")
    client.force_login(user)
    detail = " ".join(client.get("/models/openai/gpt-4o-mini/").content.decode().split())
    assert '<a href="/settings/">Add your key</a>' in detail
    assert "Open in playground" not in detail.split('class="availability-note')[0]
