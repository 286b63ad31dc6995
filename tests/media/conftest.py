"""Embedding and image models: the offline demo's, and OpenAI's on the fake upstream (real wire format);
media in a temporary folder."""

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

NO_TOKEN_PRICES = {"input_price_per_1m": None, "output_price_per_1m": None}


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def demo(db):
    return ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")


@pytest.fixture
def compass(demo):
    """The demo's 256-dimension embedding model, $0.02 per 1M tokens (its tokens are estimated)."""
    return AIModelFactory(provider=demo, upstream_id="compass", slug="demo/compass", kind="embedding",
                          input_price_per_1m=Decimal("0.02"), output_price_per_1m=None)  # fmt: skip


@pytest.fixture
def atlas(demo):
    """The demo's 1024-dimension embedding model, which shortens on request."""
    return AIModelFactory(provider=demo, upstream_id="atlas", slug="demo/atlas", kind="embedding",
                          input_price_per_1m=Decimal("0.10"), output_price_per_1m=None, supports_dimensions=True,
                          embedding_dimensions=1024)  # fmt: skip


@pytest.fixture
def sketch(demo):
    """The demo's any-size image model at $0.01 an image."""
    return AIModelFactory(provider=demo, upstream_id="sketch", slug="demo/sketch", kind="image",
                          image_prices={"*": {"*": "0.01"}}, **NO_TOKEN_PRICES)  # fmt: skip


@pytest.fixture
def canvas(demo):
    """The demo's image model priced by size and quality."""
    prices = {"256x256": {"standard": "0.005", "hd": "0.01"}, "512x512": {"standard": "0.01", "hd": "0.02"},
              "1024x1024": {"standard": "0.02", "hd": "0.04"}}  # fmt: skip
    return AIModelFactory(provider=demo, upstream_id="canvas", slug="demo/canvas", kind="image",
                          image_prices=prices, **NO_TOKEN_PRICES)  # fmt: skip


@pytest.fixture
def small3(fake_provider):  # noqa: F811
    """OpenAI's text-embedding-3-small on the fake upstream, $0.02 per 1M tokens, reported usage."""
    return AIModelFactory(provider=fake_provider, upstream_id="text-embedding-3-small", slug="fakeai/te3-small",
                          kind="embedding", input_price_per_1m=Decimal("0.02"), output_price_per_1m=None,
                          supports_dimensions=True, embedding_dimensions=1536)  # fmt: skip


@pytest.fixture
def dalle3(fake_provider):  # noqa: F811
    """DALL-E 3 on the fake upstream, priced per image by size and quality."""
    prices = {"1024x1024": {"standard": "0.04", "hd": "0.08"}, "1792x1024": {"standard": "0.08", "hd": "0.12"}}
    return AIModelFactory(provider=fake_provider, upstream_id="dall-e-3", slug="fakeai/dall-e-3", kind="image",
                          image_prices=prices, **NO_TOKEN_PRICES)  # fmt: skip
