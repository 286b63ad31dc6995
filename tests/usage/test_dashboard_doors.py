"""The usage dashboard's spend by door: each door's calls and cost, agreeing with the ledger."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from accounts.api_keys import api_key_create
from tests.factories import AIModelFactory, ProviderFactory
from tests.ledger import flush_ledger
from usage.models import Door, Generation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_model(db):
    demo = ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")
    prices = {"input_price_per_1m": Decimal("1.00"), "output_price_per_1m": Decimal("2.00")}
    return AIModelFactory(provider=demo, upstream_id="swift", slug="demo/swift", **prices)


def _cell_after(page: str, label: str) -> list[str]:
    row = page.split(f"<tr><td>{label}</td>", 1)[1].split("</tr>", 1)[0]
    return [cell.removeprefix("<td>") for cell in row.split("</td>") if cell]


def test_the_dashboard_splits_spend_by_door_as_the_ledger_records_it(client, alice, demo_model):
    key = api_key_create(user=alice, name="agent", scopes=["ai:write"], expires_in_days=1)[1]
    agent = Client(HTTP_X_API_KEY=key)
    ask = {"model": demo_model.slug, "max_tokens": 32, "messages": [{"role": "user", "content": "Hi"}]}
    for _ in range(2):
        assert agent.post("/v1/messages", ask, content_type="application/json").status_code == 200
    answered = agent.post("/v1/responses", {"model": demo_model.slug, "input": "Hi"}, content_type="application/json")
    assert answered.status_code == 200
    flush_ledger()

    client.force_login(alice)
    page = client.get(reverse("usage:dashboard")).content.decode()

    assert "Spend by door" in page
    for door, calls in ((Door.ANTHROPIC, "2"), (Door.RESPONSES, "1")):
        rows = Generation.objects.filter(user=alice, door=door)
        spent = rows.aggregate(cost=Sum("cost"))["cost"]
        requests, tokens, cost = _cell_after(page, door.label)
        assert requests == calls and cost == f"${spent:.8f}" and spent > 0
        assert int(tokens.replace(",", "")) == rows.aggregate(t=Sum("total_tokens"))["t"]
    assert Door.OPENAI.label not in page.split("Spend by door", 1)[1].split("Recent generations", 1)[0]
