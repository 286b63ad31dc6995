"""The `/v1/` door as served in production: uvicorn, `config.asgi`, the gateway handler and its short
middleware list. Headers, errors in OpenAI's shape, and a client that leaves mid-stream."""

import time
from datetime import datetime

import httpx
import pytest

from playground.doors import openai as openai_door
from tests.ledger import flush_ledger
from tests.playground.conftest import delivered_cost
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)
HELLO = [{"role": "user", "content": "Hello, headers"}]


def _post(server, key: str, body, **headers) -> httpx.Response:
    kwargs = {"json": body} if not isinstance(body, bytes) else {"content": body}
    return httpx.post(
        f"{server.url}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}", **headers},
        timeout=20,
        **kwargs,
    )


def _openai_error(response: httpx.Response, status: int, type_: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["type"] == type_ and error["message"]
    return error


def test_every_answer_carries_the_gateway_headers(app_server, alice_key, chat_model):
    response = _post(
        app_server, alice_key, {"model": chat_model.slug, "messages": HELLO}, **{"X-Request-Id": "abc-123-xyz-789"}
    )
    assert response.status_code == 200
    headers = response.headers
    assert headers["X-Request-Id"] == "abc-123-xyz-789"
    assert headers["X-RateLimit-Limit"] == "10" and headers["X-RateLimit-Remaining"] == "9"
    assert datetime.fromisoformat(headers["X-RateLimit-Reset"]).timestamp() > time.time() - 1
    assert headers["X-RateLimit-Endpoint"] and headers["X-RateLimit-Identifier"] == "api_key"
    assert 0 < float(headers["X-Gateway-Overhead-Ms"]) < 1000
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in headers and "Vary" not in headers  # no session on this door


def test_a_generated_request_id_when_none_is_sent(app_server, alice_key, chat_model):
    first = _post(app_server, alice_key, {"model": chat_model.slug, "messages": HELLO})
    second = _post(app_server, alice_key, {"model": chat_model.slug, "messages": HELLO})
    assert len(first.headers["X-Request-Id"]) >= 16
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


def test_bad_bodies_are_refused_in_openai_shape_and_nothing_is_charged(app_server, alice_key, chat_model, settings):
    _openai_error(_post(app_server, alice_key, b"{not json"), 400, "invalid_request_error")
    _openai_error(_post(app_server, alice_key, b"[1, 2]"), 400, "invalid_request_error")
    _openai_error(_post(app_server, alice_key, {"messages": HELLO}), 400, "invalid_request_error")
    huge = {"model": chat_model.slug, "messages": [{"role": "user", "content": "x" * (2 * 1024 * 1024)}]}
    error = _openai_error(_post(app_server, alice_key, huge), 400, "invalid_request_error")
    assert "larger than" in error["message"]
    flush_ledger()
    assert not Generation.objects.exists()


def test_wrong_method_and_unknown_paths(app_server, alice_key):
    response = httpx.get(f"{app_server.url}/v1/chat/completions", headers={"Authorization": f"Bearer {alice_key}"})
    assert response.status_code == 405
    error = _openai_error(
        httpx.get(f"{app_server.url}/v1/nothing/here", headers={"Authorization": f"Bearer {alice_key}"}),
        404,
        "invalid_request_error",
    )
    assert error["code"] == "unknown_url"


def test_an_unexpected_failure_is_a_500_in_openai_shape(app_server, alice_key, chat_model, monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(openai_door, "generation_choices", broken)
    error = _openai_error(
        _post(app_server, alice_key, {"model": chat_model.slug, "messages": HELLO}), 500, "server_error"
    )
    assert "a bug" not in error["message"]


def test_a_client_leaving_mid_stream_stops_the_upstream_and_is_recorded_as_cancelled(
    app_server, alice_key, make_model, fake_upstream
):
    # A model string of its own: the fake's counters are shared by the session (test_stream's is @slow=300).
    slow = make_model("gpt-4o-mini@slow=310")
    body = {"model": slow.slug, "messages": HELLO, "stream": True, "max_tokens": 500}
    received = ""
    with httpx.stream(
        "POST", f"{app_server.url}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {alice_key}"}
    ) as response:
        assert response.status_code == 200 and response.headers["X-RateLimit-Remaining"] == "9"
        for line in response.iter_lines():
            if '"content":"' in line and '"content":""' not in line:
                received += line
                break  # the client goes away after the first content
    deadline = time.monotonic() + 10
    while not Generation.objects.filter(status="cancelled").exists():
        assert time.monotonic() < deadline, "the cancelled generation was not recorded"
        flush_ledger()
        time.sleep(0.05)
    row = Generation.objects.get()
    assert row.content and row.content.split()[0] in received
    assert row.tokens_estimated and row.cost == delivered_cost(row) > 0  # what was delivered is charged
    closed = fake_upstream.stats().get("closed_early", {})
    assert sum(v for k, v in closed.items() if "@slow=310" in k) == 1
