"""Issue's acceptance: with only a provider's base URL and key pointed at a server speaking its wire
format, `POST /api/v1/ai/chat` relays the reply, its usage and its cost exactly — for every format."""

from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient
from rest_framework.test import APIClient

from tests.factories import AIModelFactory, ProviderFactory
from usage.models import Generation

pytestmark = pytest.mark.django_db

KINDS = ["openai", "openai_compatible", "openrouter", "huggingface", "huggingface_legacy", "minimax", "ollama"]
PROMPT = "tell me about rivers"


async def _stream(token: str, body: dict) -> str:
    client = AsyncClient()
    response = await client.post(
        "/api/v1/ai/chat", body, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    return b"".join([chunk async for chunk in response.streaming_content]).decode()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stream", [False, True])
def test_chat_relays_reply_usage_and_cost_for_each_provider_format(alice, jwt_for, fake_upstream, kind, stream):
    upstream_id = f"relay-{kind}-{int(stream)}"
    provider = ProviderFactory(slug=f"p-{kind}", adapter_kind=kind, base_url=fake_upstream.base_url(kind), api_key="k")
    model = AIModelFactory(
        provider=provider,
        upstream_id=upstream_id,
        input_price_per_1m=Decimal("3"),
        output_price_per_1m=Decimal("5"),
        max_output_tokens=4096,
    )
    body = {"model": model.slug, "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 100}
    token = jwt_for(alice)["token"]
    if stream:
        text = async_to_sync(_stream)(token, {**body, "stream": True})
    else:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        response = client.post("/api/v1/ai/chat", body, format="json")
        assert response.status_code == 200, response.content

    row = Generation.objects.get(model_slug=model.slug)
    assert row.content == f"Echo from {upstream_id}: {PROMPT}"
    assert row.completion_tokens == 3 + len(PROMPT.split())  # one word, one token on the fake
    assert row.prompt_tokens > 0
    # The legacy task API's whole answer carries no usage at all: counted locally and marked.
    assert row.tokens_estimated == (kind == "huggingface_legacy" and not stream)
    # Nothing reported by the upstream (tokens_estimated): what was delivered, counted locally, is charged.
    if kind == "openrouter":  # OpenRouter reports its own cost: $1/M in, $2/M out on the fake
        expected = (Decimal(row.prompt_tokens) * 1 + Decimal(row.completion_tokens) * 2) / Decimal(1_000_000)
    else:
        expected = (Decimal(row.prompt_tokens) * 3 + Decimal(row.completion_tokens) * 5) / Decimal(1_000_000)
    assert row.cost == expected.quantize(Decimal("0.00000001"))

    if stream:
        assert "Echo" in text and '"type":"metrics"' in text
    else:
        data = response.json()["data"]
        assert data["choices"][0]["message"]["content"] == row.content
        assert data["usage"]["completion_tokens"] == row.completion_tokens
        assert Decimal(data["cost"]) == row.cost
