"""Usage endpoints read the aggregates; quotas and budgets refuse, warn and agree with the ledger."""

from decimal import Decimal

import pytest
from django.db.models import Sum
from rest_framework.test import APIClient

from playground.models import Conversation
from usage import events
from usage.counters import quota_used
from usage.limits import from_nano
from usage.models import Generation

pytestmark = pytest.mark.django_db
HELLO = [{"role": "user", "content": "Hello usage"}]


@pytest.fixture
def seen_events():
    seen: list[tuple[str, int, dict]] = []

    def consumer(*, user_id: int, event: str, payload: dict) -> None:
        seen.append((event, user_id, payload))

    events.register_consumer(consumer)
    yield seen
    events.unregister_consumer(consumer)


def _chat(client, model, **extra):
    return client.post("/api/v1/ai/chat", {"model": model.slug, "messages": HELLO, **extra}, format="json")


def test_usage_summary_and_quota_agree_with_the_ledger(alice, alice_keyed, chat_model):
    for _ in range(3):
        assert _chat(alice_keyed, chat_model).status_code == 200
    data = alice_keyed.get("/api/v1/ai/usage").json()["data"]
    ledger = Generation.objects.filter(user=alice).aggregate(tokens=Sum("total_tokens"), cost=Sum("cost"))
    usage = data["usage"]
    assert usage["total_requests"] == 3 and usage["total_tokens"] == ledger["tokens"]
    assert Decimal(str(usage["total_cost"])) == ledger["cost"]
    assert usage["by_model"][chat_model.slug]["requests"] == 3 and usage["by_date"][0]["requests"] == 3
    assert data["quota"]["daily"] == {"used": 3, "limit": 50}
    assert from_nano(quota_used(user_id=alice.pk)["spent"]) == ledger["cost"]
    me = alice_keyed.get("/api/auth/me").json()["data"]
    assert me["quota"]["monthly"] == {"used": 3, "limit": 1500}


def test_usage_log_is_paginated_and_private(alice_keyed, bob, key_for, chat_model):
    _chat(alice_keyed, chat_model)
    page = alice_keyed.get("/api/v1/usage?limit=1").json()["data"]
    assert page["pagination"]["total"] == 1 and page["items"][0]["model"] == chat_model.slug
    bob_client = APIClient()
    bob_client.credentials(HTTP_X_API_KEY=key_for(bob))
    assert bob_client.get("/api/v1/usage").json()["data"]["pagination"]["total"] == 0
    assert APIClient().get("/api/v1/usage").status_code == 401


def test_daily_quota_refuses_and_warns_at_80_and_100_percent(
    alice, alice_keyed, chat_model, seen_events, django_capture_on_commit_callbacks
):
    from usage.models import SystemSetting
    from usage.settings_store import DEFAULTS

    limits = {**DEFAULTS["tier_limits"][0], "free": {"per_minute": 100, "daily": 5, "weekly": 100, "monthly": 100}}
    SystemSetting.objects.create(key="tier_limits", value=limits, type="object")
    with django_capture_on_commit_callbacks(execute=True):  # events leave after the commit
        statuses = [_chat(alice_keyed, chat_model).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = _chat(alice_keyed, chat_model)
    assert refused.json()["error"]["code"] == "QUOTA_EXCEEDED" and int(refused["Retry-After"]) > 0
    warnings = [p for e, _, p in seen_events if e == "quota.warning" and p["quota_type"] == "daily"]
    assert [(w["used"], w["percentage"]) for w in warnings] == [(4, 80), (5, 100)]


def test_budget_stops_spending_within_one_calls_maximum_cost(alice, alice_keyed, make_model, seen_events):
    alice.monthly_budget_usd = Decimal("0.01")
    alice.save()
    # At $150/1M a call of at most 50 output tokens can cost ~$0.009; the budget fits only a few calls.
    pricey = make_model("gpt-4o-mini", input_price_per_1m=Decimal("150"), output_price_per_1m=Decimal("150"))
    codes = [_chat(alice_keyed, pricey, max_tokens=50).status_code for _ in range(10)]
    assert 429 in codes
    spent = Generation.objects.filter(user=alice).aggregate(cost=Sum("cost"))["cost"]
    assert Decimal("0") < spent <= Decimal("0.01")
    assert from_nano(quota_used(user_id=alice.pk)["spent"]) == spent and quota_used(user_id=alice.pk)["held"] == 0
    refusal = _chat(alice_keyed, pricey, max_tokens=50).json()["error"]
    assert refusal["code"] == "QUOTA_EXCEEDED" and refusal["details"]["quota"] == "monthly_budget"


def test_sessions_owner_other_and_anonymous(alice, bob, alice_api, jwt_for):
    conversation = Conversation.objects.create(owner=alice, title="mine", models=["demo/swift"])
    url = f"/api/v1/sessions/{conversation.pk}"
    bob_api = APIClient()
    bob_api.credentials(HTTP_AUTHORIZATION=f"Bearer {jwt_for(bob)['token']}")
    assert alice_api.get("/api/v1/sessions").json()["data"]["items"][0]["title"] == "mine"
    assert alice_api.get(url).json()["data"]["title"] == "mine"
    assert bob_api.get(url).status_code == 404 and bob_api.delete(url).status_code == 404
    assert APIClient().get(url).status_code == 401 and APIClient().delete(url).status_code == 401
    assert bob_api.get("/api/v1/sessions").json()["data"]["items"] == []
    assert alice_api.delete(url).status_code == 200
    assert not Conversation.objects.filter(pk=conversation.pk).exists()


def test_every_api_response_carries_the_gateway_headers(alice_api):
    response = alice_api.get("/api/auth/me")
    for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-Request-Id",
                   "X-Gateway-Overhead-Ms"):  # fmt: skip
        assert response.headers[header]
    assert response["X-RateLimit-Endpoint"] == "api" and response["X-RateLimit-Identifier"] == "user"
