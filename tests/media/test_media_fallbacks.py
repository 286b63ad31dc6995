"""Media calls take the one path's fallbacks (before any result) and carry its headers."""

from decimal import Decimal

import openai
import pytest

from catalog.models import ModelFallback
from tests.factories import AIModelFactory
from tests.ledger import flush_ledger
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_embedding_model_that_is_down_falls_back_to_one_of_the_same_kind(
    app_server, alice_key, fake_provider, small3, chat_model
):
    down = AIModelFactory(provider=fake_provider, upstream_id="text-embedding-3-small@503", slug="fakeai/emb-down",
                          kind="embedding", input_price_per_1m=Decimal("0.02"), output_price_per_1m=None)  # fmt: skip
    ModelFallback.objects.create(model=down, fallback=chat_model, position=0)  # another kind: never tried
    ModelFallback.objects.create(model=down, fallback=small3, position=1)
    client = openai.OpenAI(base_url=f"{app_server.url}/v1", api_key=alice_key, max_retries=0, timeout=20)
    raw = client.embeddings.with_raw_response.create(model="fakeai/emb-down", input="hello", encoding_format="float")
    answer = raw.parse()
    assert answer.model == small3.slug and len(answer.data[0].embedding) == 1536
    assert raw.headers["X-RateLimit-Limit"] and float(raw.headers["X-Gateway-Overhead-Ms"]) >= 0
    flush_ledger()
    row = Generation.objects.get()
    assert (row.requested_model, row.model_slug, row.status) == ("fakeai/emb-down", small3.slug, "success")
