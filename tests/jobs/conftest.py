"""Video and batch job fixtures: the offline demo's video model, MiniMax Hailuo on the fake upstream,
fast polling, media in a temporary folder, and a recorder for emitted events."""

from collections.abc import Iterator
from decimal import Decimal

import pytest

from tests.factories import AIModelFactory, ProviderFactory
from tests.playground.conftest import alice_key, alice_keyed, key_for  # noqa: F401  (shared fixtures)
from tests.webhooks.conftest import receiver  # noqa: F401  (shared fixture)
from usage import events

DEMO_CLIP = "providers/demo_assets/demo.mp4"


@pytest.fixture(autouse=True)
def _jobs_settings(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.VIDEO_POLL_FIRST_SECONDS = 0.0
    settings.VIDEO_POLL_MAX_SECONDS = 0.0
    settings.VIDEO_DEMO_SECONDS = 0.0  # the demo's task is final at its first poll


@pytest.fixture
def reel(db):
    """The offline demo's video model, at $0.10 per video."""
    demo = ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")
    return AIModelFactory(
        provider=demo,
        upstream_id="reel",
        slug="demo/reel",
        kind="video",
        input_price_per_1m=None,
        output_price_per_1m=None,
        price_per_video=Decimal("0.10"),
    )


@pytest.fixture
def minimax(db, fake_upstream):
    return ProviderFactory(
        slug="minimax", name="MiniMax", adapter_kind="minimax", base_url=fake_upstream.base_url("minimax"), api_key="mm"
    )


@pytest.fixture
def hailuo(minimax):
    """MiniMax Hailuo 2.3 on the fake upstream at $0.05 per second: a 6 s video costs $0.30."""

    def make(upstream_id: str = "MiniMax-Hailuo-2.3"):
        return AIModelFactory(
            provider=minimax,
            upstream_id=upstream_id,
            slug=f"minimax/{upstream_id}",
            kind="video",
            input_price_per_1m=None,
            output_price_per_1m=None,
            price_per_video_second=Decimal("0.05"),
        )

    return make


@pytest.fixture
def emitted() -> Iterator[list[tuple[str, int, dict]]]:
    """Every usage event emitted during the test, as (event, user_id, payload)."""
    seen: list[tuple[str, int, dict]] = []

    def consumer(*, user_id: int, event: str, payload: dict) -> None:
        seen.append((event, user_id, payload))

    events.register_consumer(consumer)
    yield seen
    events.unregister_consumer(consumer)


@pytest.fixture
def committing(django_capture_on_commit_callbacks):
    """`with committing(execute=True):` runs what runs when the request's transaction commits: the
    queued tasks (eager here), the counters' settlement and the events."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def chat_model(db, fake_upstream):
    """A chat model on the fake upstream's OpenAI wire format (echoes the prompt)."""
    provider = ProviderFactory(
        slug="fakeai", name="Fake AI", adapter_kind="openai", base_url=fake_upstream.base_url("openai"), api_key="sk"
    )
    return AIModelFactory(provider=provider, upstream_id="gpt-4o-mini", max_output_tokens=4096, max_tokens_default=64)
