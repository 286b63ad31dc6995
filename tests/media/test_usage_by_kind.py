"""Spend broken down by kind (chat, embedding, image, video), in the usage API and on the dashboard,
agreeing with the ledger to the cent."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client

from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)


def test_usage_api_and_dashboard_split_spend_by_kind(alice, alice_keyed, chat_model, small3, sketch):
    alice_keyed.post("/api/v1/ai/chat", {"model": chat_model.slug, "messages": [{"role": "user", "content": "hi"}]},
                     format="json")  # fmt: skip
    alice_keyed.post("/api/v1/ai/embeddings", {"model": small3.slug, "input": "alpha beta gamma"}, format="json")
    for _ in range(2):
        alice_keyed.post(
            "/api/v1/ai/images", {"model": "demo/sketch", "prompt": "a kite", "size": "16x16"}, format="json"
        )
    by_kind = alice_keyed.get("/api/v1/ai/usage").json()["data"]["usage"]["by_kind"]
    assert set(by_kind) == {"chat", "embedding", "image", "video"}
    assert [by_kind[k]["requests"] for k in ("chat", "embedding", "image", "video")] == [1, 1, 2, 0]
    assert by_kind["image"]["cost"] == "0.02000000" and by_kind["video"]["cost"] == "0.00000000"
    for kind, model in (("chat", chat_model), ("embedding", small3)):
        ledger = Generation.objects.filter(model=model).aggregate(total=Sum("cost"))["total"]
        assert Decimal(by_kind[kind]["cost"]) == ledger > 0, kind
    client = Client()
    client.force_login(alice)
    html = client.get("/dashboard/").content.decode()
    assert '<th scope="row">Images</th><td>2</td>' in html and "$0.02000000" in html
