"""Adding a door is one file in doors/ and its URL (README, "How to add a door"). The test-only door in
echo_door.py is exactly that; it gets authentication, scopes, admission, metering, the rate headers,
refusals in its shape and a ledger row without a line anywhere else."""

import pytest
from rest_framework.test import APIClient

from usage.counters import quota_used
from usage.models import Generation, SystemSetting
from usage.settings_store import DEFAULTS

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.playground.echo_urls")]


def _say(client: APIClient, model: str, text: str = "Hello door"):
    return client.post("/api/v1/echo", {"model": model, "say": text}, format="json")


def test_the_new_door_answers_and_records_the_call_like_every_door(alice, alice_keyed, chat_model):
    response = _say(alice_keyed, chat_model.slug)

    assert response.status_code == 200
    assert response.json()["said"] == "Echo from gpt-4o-mini: Hello door"
    row = Generation.objects.get(user=alice)
    assert row.content == response.json()["said"] and row.api_key_id is not None
    assert row.cost and response.json()["cost"] == f"{row.cost:.8f}"
    assert quota_used(user_id=alice.pk)["daily"] == 1
    assert response["X-RateLimit-Limit"] == "10" and response["X-RateLimit-Remaining"] == "9"
    assert response["X-RateLimit-Endpoint"] == "ai"  # it meters itself: the general API limit is not counted


def test_the_new_door_asks_who_is_calling_and_what_they_may_do(alice, key_for, chat_model):
    anonymous = _say(APIClient(), chat_model.slug)
    reader = APIClient()
    reader.credentials(HTTP_X_API_KEY=key_for(alice, scopes=["ai:read"]))

    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "AUTHENTICATION_ERROR"
    assert _say(reader, chat_model.slug).status_code == 403
    assert not Generation.objects.exists()


def test_the_new_door_is_refused_by_the_tiers_limits(alice_keyed, chat_model):
    tiers = {**DEFAULTS["tier_limits"][0], "free": {"per_minute": 1, "daily": 50, "weekly": 350, "monthly": 1500}}
    SystemSetting.objects.create(key="tier_limits", value=tiers, type="object")

    assert _say(alice_keyed, chat_model.slug).status_code == 200
    refused = _say(alice_keyed, chat_model.slug)

    assert refused.status_code == 429 and refused.json()["error"]["code"] == "RATE_LIMIT_EXCEEDED"
    assert int(refused["Retry-After"]) >= 1 and refused["X-RateLimit-Remaining"] == "0"
    assert Generation.objects.count() == 1
