"""Gateway fixtures: models served by the fake upstream (real OpenAI wire format), keys, clients."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.api_keys import api_key_create
from catalog.models import ModelFallback
from tests.factories import AIModelFactory, ProviderFactory
from tests.servers import ThreadServer


@pytest.fixture
def fake_provider(db, fake_upstream):
    return ProviderFactory(
        slug="fakeai",
        name="Fake AI",
        adapter_kind="openai",
        base_url=fake_upstream.base_url("openai"),
        api_key="sk-test",
    )


@pytest.fixture
def make_model(fake_provider):
    def make(upstream_id: str = "gpt-4o-mini", **extra):
        defaults = {
            "input_price_per_1m": Decimal("1.00"),
            "output_price_per_1m": Decimal("2.00"),
            "max_output_tokens": 4096,
            "max_tokens_default": 256,
        }
        return AIModelFactory(provider=fake_provider, upstream_id=upstream_id, **{**defaults, **extra})

    return make


@pytest.fixture
def chat_model(make_model):
    return make_model("gpt-4o-mini")


# What the agents' doors (Responses, Messages) are tested with: a model that takes tools, images and a
# JSON schema, on the fake upstream and on the demo provider.
CAPABLE = {"supports_tools": True, "supports_vision": True, "supports_json_schema": True}


@pytest.fixture
def fake_model(make_model):
    return make_model("gpt-4o-mini", **CAPABLE)


@pytest.fixture
def demo_model(db):
    demo = ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")
    prices = {"input_price_per_1m": Decimal("1.00"), "output_price_per_1m": Decimal("2.00")}
    return AIModelFactory(provider=demo, upstream_id="swift", slug="demo/swift", **prices, **CAPABLE)


@pytest.fixture(params=["fake", "demo"])
def model(request):
    return request.getfixturevalue(f"{request.param}_model")


@pytest.fixture
def with_fallback(make_model):
    """A model whose upstream is down (503 before any byte) with a working fallback."""
    down = make_model("gpt-4o-mini@503", slug="fakeai/down")
    up = make_model("gpt-4o-mini", slug="fakeai/up")
    ModelFallback.objects.create(model=down, fallback=up, position=0)
    return down, up


@pytest.fixture
def key_for(db):
    def make(user, scopes=("ai:read", "ai:write", "usage:read")):
        return api_key_create(user=user, name="test", scopes=list(scopes), expires_in_days=1)[1]

    return make


@pytest.fixture
def alice_key(alice, key_for):
    return key_for(alice)


@pytest.fixture
def alice_keyed(alice_key) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=alice_key)
    return client


def parse_sse(body: str) -> list[dict]:
    import json

    return [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ") and line != "data: [DONE]"]


async def sse_events(response) -> list[dict]:
    """Read a whole event stream from Django's AsyncClient (the stream must run on the test's loop)."""
    return parse_sse(b"".join([chunk async for chunk in response.streaming_content]).decode())


@pytest.fixture
def app_server(transactional_db, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    with ThreadServer() as server:
        yield server


def delivered_cost(row) -> Decimal:
    """What make_model's prices ($1/M in, $2/M out) charge for a row's tokens."""
    return ((Decimal(row.prompt_tokens) + 2 * Decimal(row.completion_tokens)) / Decimal(1_000_000)).quantize(
        Decimal("0.00000001")
    )
