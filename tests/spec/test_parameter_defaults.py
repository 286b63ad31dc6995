"""The spec's defaults (max_tokens 1000, temperature 0.7, top_p 0.9) on our REST doors when the caller
leaves them out; the `/v1` door keeps OpenAI's meaning (omitted: the provider's own default)."""

import pytest

from tests.spec.conftest import SPEC_CHAT, SPEC_GENERATE
from usage.models import Generation

pytestmark = pytest.mark.django_db

SPEC_DEFAULTS = {"max_tokens": 1000, "temperature": 0.7, "top_p": 0.9}


def _without_sampling(body: dict) -> dict:
    return {k: v for k, v in body.items() if k not in SPEC_DEFAULTS}


def _sent(fake_upstream, model: str) -> dict:
    body = fake_upstream.last_body("minimax", model)
    return {"max_tokens": body.get("max_completion_tokens"), "temperature": body.get("temperature"),
            "top_p": body.get("top_p")}  # fmt: skip


def test_the_spec_chat_example_without_its_parameters_gets_the_spec_defaults(alice_keyed, minimax, fake_upstream):
    response = alice_keyed.post("/api/v1/ai/chat", _without_sampling(SPEC_CHAT), format="json")

    assert response.status_code == 200, response.content
    assert _sent(fake_upstream, "MiniMax-M2") == SPEC_DEFAULTS
    assert Generation.objects.get().parameters == SPEC_DEFAULTS


def test_the_spec_chat_example_as_printed_sends_what_it_says(alice_keyed, minimax, fake_upstream):
    body = {**SPEC_CHAT, "max_tokens": 200, "temperature": 0.2, "top_p": 0.5}
    response = alice_keyed.post("/api/v1/ai/chat", body, format="json")

    assert response.status_code == 200, response.content
    assert _sent(fake_upstream, "MiniMax-M2") == {"max_tokens": 200, "temperature": 0.2, "top_p": 0.5}


def test_the_spec_generate_example_without_its_parameters_gets_the_spec_defaults(alice_keyed, minimax, fake_upstream):
    response = alice_keyed.post("/api/v1/ai/generate", _without_sampling(SPEC_GENERATE), format="json")

    assert response.status_code == 200, response.content
    assert _sent(fake_upstream, "MiniMax-M2") == SPEC_DEFAULTS


def test_the_openai_door_sends_no_sampling_values_the_caller_left_out(alice_key, minimax, fake_upstream):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {alice_key}")
    body = {"model": "minimax/MiniMax-M2", "messages": SPEC_CHAT["messages"]}
    response = client.post("/v1/chat/completions", body, format="json")

    assert response.status_code == 200, response.content
    sent = _sent(fake_upstream, "MiniMax-M2")
    assert sent["temperature"] is None and sent["top_p"] is None


def test_a_default_the_model_cannot_take_is_fitted_or_left_out_never_refused(alice_keyed, minimax, fake_upstream):
    minimax.max_output_tokens = 512
    minimax.temperature_min = minimax.temperature_max = 1
    minimax.save()
    response = alice_keyed.post("/api/v1/ai/chat", _without_sampling(SPEC_CHAT), format="json")

    assert response.status_code == 200, response.content
    assert _sent(fake_upstream, "MiniMax-M2") == {"max_tokens": 512, "temperature": None, "top_p": 0.9}


def test_the_event_stream_door_gets_the_spec_defaults_too(app_server, alice_key, minimax, fake_upstream):
    import httpx

    params = {"prompt": "Hello", "models": "minimax"}
    response = httpx.get(f"{app_server.url}/api/v1/ai/stream", params=params, headers={"X-API-Key": alice_key})

    assert response.status_code == 200 and '"type":"metrics"' in response.text
    assert _sent(fake_upstream, "MiniMax-M2") == SPEC_DEFAULTS
