import pytest

from catalog.models import Provider
from tests.factories import ProviderFactory


@pytest.fixture
def demo_provider(db) -> Provider:
    return ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")


@pytest.fixture
def openai_provider(db) -> Provider:
    return ProviderFactory(slug="openai", name="OpenAI", adapter_kind="openai")
