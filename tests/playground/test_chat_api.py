"""`POST /api/v1/ai/chat`: the envelope, the ledger row, metering, validation and scopes."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from tests.playground.conftest import sse_events
from usage.models import Generation

pytestmark = pytest.mark.django_db

HELLO = [{"role": "user", "content": "Hello there, how are you?"}]


def test_chat_answers_in_the_envelope_and_records_one_generation(alice, alice_keyed, chat_model):
    response = alice_keyed.post("/api/v1/ai/chat", {"model": chat_model.slug, "messages": HELLO}, format="json")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["model"] == chat_model.slug and data["choices"][0]["message"]["content"]
    assert data["usage"]["total_tokens"] == data["usage"]["prompt_tokens"] + data["usage"]["completion_tokens"] > 0
    row = Generation.objects.get()
    assert row.user == alice and row.status == "success" and row.content == data["choices"][0]["message"]["content"]
    assert row.api_key_id is not None and row.door == "rest" and row.input_messages == HELLO
    expected = (Decimal(row.prompt_tokens) * 1 + Decimal(row.completion_tokens) * 2) / Decimal(1_000_000)
    assert row.cost == expected and Decimal(data["cost"]) == expected
    for header in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "X-Request-Id"):
        assert response.headers[header]
    assert response.headers["X-RateLimit-Endpoint"] == "ai"
    assert response.headers["X-RateLimit-Identifier"] == "api_key"
    assert response.headers["X-RateLimit-Limit"] == "10" and response.headers["X-RateLimit-Remaining"] == "9"
    assert float(response.headers["X-Gateway-Overhead-Ms"]) >= 0


def test_out_of_range_temperature_names_the_field_and_range(alice_keyed, chat_model):
    body = {"model": chat_model.slug, "messages": HELLO, "temperature": 5}
    response = alice_keyed.post("/api/v1/ai/chat", body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and "temperature" in error["details"]
    assert error["details"]["allowed"] == {"min": 0.0, "max": 2.0}
    assert Generation.objects.count() == 0


def test_deprecated_and_unknown_models_are_refused_clearly(alice_keyed, make_model):
    old = make_model("gpt-old", status="deprecated")
    response = alice_keyed.post("/api/v1/ai/chat", {"model": old.slug, "messages": HELLO}, format="json")
    assert response.status_code == 400 and "deprecated" in response.json()["error"]["message"]
    response = alice_keyed.post("/api/v1/ai/chat", {"model": "nope/nothing", "messages": HELLO}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


def test_key_without_ai_write_is_forbidden(alice, key_for, chat_model):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key_for(alice, scopes=["usage:read"]))
    response = client.post("/api/v1/ai/chat", {"model": chat_model.slug, "messages": HELLO}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "AUTHORIZATION_ERROR"
    assert client.get("/api/v1/ai/usage").status_code == 200


def test_anonymous_chat_is_refused(chat_model):
    response = APIClient().post("/api/v1/ai/chat", {"model": chat_model.slug, "messages": HELLO}, format="json")
    assert response.status_code == 401 and response.json()["error"]["code"] == "AUTHENTICATION_ERROR"
    assert response.headers["X-RateLimit-Identifier"] == "ip"


def test_jwt_user_can_chat(alice_api, chat_model):
    response = alice_api.post("/api/v1/ai/chat", {"model": chat_model.slug, "messages": HELLO}, format="json")
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Identifier"] == "user"


def test_fallback_answers_when_the_model_is_down_and_is_recorded(alice_keyed, with_fallback):
    down, up = with_fallback
    response = alice_keyed.post("/api/v1/ai/chat", {"model": down.slug, "messages": HELLO}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["data"]["model"] == up.slug
    row = Generation.objects.get()
    assert (row.requested_model, row.model_slug, row.status) == (down.slug, up.slug, "success")


def test_failure_without_usage_is_recorded_and_costs_nothing(alice_keyed, make_model):
    broken = make_model("gpt-4o-mini@500")
    response = alice_keyed.post("/api/v1/ai/chat", {"model": broken.slug, "messages": HELLO}, format="json")
    assert response.status_code == 502 and response.json()["error"]["code"] == "PROVIDER_ERROR"
    row = Generation.objects.get()
    assert row.status == "error" and row.cost == 0 and row.error_code == "PROVIDER_ERROR"


def test_identical_deterministic_request_is_answered_from_the_cache(alice_keyed, chat_model, fake_upstream):
    body = {"model": chat_model.slug, "messages": [{"role": "user", "content": "cache me please"}], "temperature": 0}
    first = alice_keyed.post("/api/v1/ai/chat", body, format="json").json()["data"]
    before = fake_upstream.stats()
    second = alice_keyed.post("/api/v1/ai/chat", body, format="json").json()["data"]
    assert fake_upstream.stats() == before  # the upstream was not called again
    assert second["cached"] is True and first["cached"] is False
    assert second["choices"][0]["message"]["content"] == first["choices"][0]["message"]["content"]
    hit = Generation.objects.get(cache_hit=True)
    assert hit.cost == 0


@pytest.mark.django_db(transaction=True)
async def test_chat_streams_when_asked(async_client, alice_key, chat_model):
    body = {"model": chat_model.slug, "messages": HELLO, "stream": True}
    response = await async_client.post(
        "/api/v1/ai/chat", body, content_type="application/json", headers={"X-API-Key": alice_key}
    )
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream"
    assert response["X-Accel-Buffering"] == "no" and response["Cache-Control"] == "no-cache"
    events = await sse_events(response)
    text = "".join(e["content"] for e in events if e["type"] == "chunk")
    assert events[-1]["type"] == "done"
    metrics = next(e for e in events if e["type"] == "metrics")
    row = await Generation.objects.aget()
    assert row.content == text and row.status == "success" and metrics["tokens"] == row.total_tokens
