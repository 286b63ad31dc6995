from collections.abc import AsyncIterator

import pytest

from providers.base import ProviderConfig
from providers.http import close_shared_clients
from providers.testing import RunningFake


@pytest.fixture(autouse=True)
async def _close_shared_clients() -> AsyncIterator[None]:
    # Each async test has its own event loop; its pooled clients must not outlive it.
    yield
    await close_shared_clients()


# `fake_upstream` itself comes from tests/fixtures_upstream.py, loaded by tests/conftest.py.
@pytest.fixture
def config_for(fake_upstream: RunningFake):
    def make(kind: str, **overrides) -> ProviderConfig:
        values = {"kind": kind, "base_url": fake_upstream.base_url(kind), "api_key": "test-key", "max_retries": 2}
        values.update(overrides)
        return ProviderConfig(**values)

    return make
