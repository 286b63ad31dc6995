"""The `fake_upstream` fixture: one fake AI provider server for the whole test session.

Load it with `pytest_plugins = ["tests.fixtures_upstream"]`. The fixture yields a RunningFake:
`.url`, `.base_url(provider_kind)`, `.stats()`, `.reset()`, `.requests(provider, model)` and
`.closed_early(provider, model)`. Counters are shared by the session; use distinct model strings
(e.g. a test-specific suffix) or call `.reset()` when a test counts requests.
"""

from collections.abc import Iterator

import pytest

from providers.testing import RunningFake, start_in_thread


@pytest.fixture(scope="session")
def fake_upstream() -> Iterator[RunningFake]:
    fake = start_in_thread()
    yield fake
    fake.stop()
