"""The product spec's own example requests (002, the API documentation), as data, against our doors."""

from decimal import Decimal

import pytest

from tests.factories import AIModelFactory, ProviderFactory
from tests.playground.conftest import (  # noqa: F401  (shared fixtures)
    alice_key,
    alice_keyed,
    app_server,
    chat_model,
    fake_provider,
    key_for,
    make_model,
)
from tests.webhooks.conftest import receiver  # noqa: F401  (shared fixture)

# "Chat Completion", request body, as the spec prints it.
SPEC_CHAT = {
    "messages": [
        {"role": "user", "content": "Hello, how are you?"},
        {"role": "assistant", "content": "I'm doing well, thank you!"},
        {"role": "user", "content": "What's the weather like today?"},
    ],
    "model": "minimax",
    "max_tokens": 1000,
    "temperature": 0.7,
    "top_p": 0.9,
    "stream": False,
}

# "Text Generation", request body, as the spec prints it.
SPEC_GENERATE = {
    "prompt": "Write a short story about artificial intelligence",
    "model": "minimax",
    "max_tokens": 500,
    "temperature": 0.8,
    "top_p": 0.95,
    "n": 1,
    "stop": ["\n\n", "END"],
}


@pytest.fixture
def minimax(db, fake_upstream):
    """MiniMax on the fake upstream, its name standing for MiniMax-M2 as the spec's `"model": "minimax"`."""
    provider = ProviderFactory(
        slug="minimax", name="MiniMax", adapter_kind="minimax", base_url=fake_upstream.base_url("minimax"),
        api_key="mm-test",
    )  # fmt: skip
    model = AIModelFactory(
        provider=provider, upstream_id="MiniMax-M2", slug="minimax/MiniMax-M2", max_output_tokens=8192,
        input_price_per_1m=Decimal("0.30"), output_price_per_1m=Decimal("1.20"),
    )  # fmt: skip
    provider.default_model = model
    provider.save(update_fields=["default_model"])
    return model


# "Create Webhook", request body, as the spec prints it (its secret is accepted since it is 16+ characters).
SPEC_WEBHOOK = {
    "url": "https://your-app.com/webhook",
    "events": ["ai.task.completed", "ai.task.failed", "quota.warning"],
    "secret": "your-webhook-secret",
    "active": True,
}
