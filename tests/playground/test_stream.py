"""`GET /api/v1/ai/stream`: several models at once over one SSE connection, over real HTTP (uvicorn)."""

import time

import httpx
import pytest

from playground.models import Conversation
from tests.playground.conftest import delivered_cost, parse_sse
from usage.models import Generation

pytestmark = pytest.mark.django_db(transaction=True)


def _stream(server, key: str, models: list[str], prompt: str = "Tell me about rivers") -> list[dict]:
    params = {"prompt": prompt, "models": ",".join(models)}
    with httpx.stream(
        "GET", f"{server.url}/api/v1/ai/stream", params=params, headers={"X-API-Key": key}, timeout=30
    ) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        assert r.headers["x-accel-buffering"] == "no" and "content-encoding" not in r.headers
        return parse_sse(r.read().decode())


def test_models_stream_concurrently_and_a_slow_one_does_not_hold_back_a_fast_one(app_server, alice_key, make_model):
    fast, slow = make_model("gpt-4o-mini"), make_model("gpt-4o-mini@slow=150")
    events = _stream(app_server, alice_key, [fast.slug, slow.slug])
    assert events[0]["type"] == "session" and events[-1]["type"] == "done"
    position = {(e["type"], e["model"], e.get("status")): i for i, e in enumerate(events) if "model" in e}
    last_slow_chunk = max(i for i, e in enumerate(events) if e["type"] == "chunk" and e["model"] == slow.slug)
    assert position[("status", fast.slug, "done")] < last_slow_chunk
    conversation = Conversation.objects.get(pk=events[0]["session_id"])
    rows = {g.model_slug: g for g in Generation.objects.filter(conversation=conversation)}
    for model in (fast, slow):
        text = "".join(e["content"] for e in events if e["type"] == "chunk" and e["model"] == model.slug)
        assert rows[model.slug].content == text and rows[model.slug].status == "success"
    assert conversation.generation_count == 2
    assert conversation.total_tokens == sum(r.total_tokens for r in rows.values())


def test_one_model_failing_mid_stream_does_not_end_the_others(app_server, alice_key, make_model):
    good, bad = make_model("gpt-4o-mini"), make_model("gpt-4o-mini@midstream-error")
    events = _stream(app_server, alice_key, [good.slug, bad.slug])
    errors = [e for e in events if e["type"] == "error"]
    assert [e["model"] for e in errors] == [bad.slug]
    assert {"type": "status", "model": good.slug, "status": "done"} in events
    failed = Generation.objects.get(model_slug=bad.slug)
    received = "".join(e["content"] for e in events if e["type"] == "chunk" and e["model"] == bad.slug)
    assert failed.status == "error" and failed.content == received
    # What was delivered before the failure is charged, counted locally (the upstream reported nothing).
    assert failed.tokens_estimated and failed.completion_tokens > 0 and failed.cost == delivered_cost(failed)


def test_fallback_before_the_first_byte_in_a_stream(app_server, alice_key, with_fallback):
    down, up = with_fallback
    events = _stream(app_server, alice_key, [down.slug])
    metrics = next(e for e in events if e["type"] == "metrics")
    assert metrics["answered_by"] == up.slug and metrics["status"] == "success"
    assert Generation.objects.get().model_slug == up.slug


def test_client_disconnect_cancels_every_upstream_call_and_records_them(
    app_server, alice_key, make_model, fake_upstream
):
    slow_a, slow_b = make_model("gpt-4o-mini@slow=300"), make_model("gpt-4o-mini@slow=301")
    params = {"prompt": "A long answer please", "models": f"{slow_a.slug},{slow_b.slug}"}
    with httpx.stream(
        "GET", f"{app_server.url}/api/v1/ai/stream", params=params, headers={"X-API-Key": alice_key}, timeout=30
    ) as response:
        for line in response.iter_lines():
            if '"type":"chunk"' in line:
                break  # the client goes away after the first content
    deadline = time.monotonic() + 10
    while Generation.objects.filter(status="cancelled").count() < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    rows = list(Generation.objects.all())
    assert len(rows) == 2 and {r.status for r in rows} == {"cancelled"}
    # What reached the client (counted locally) is charged; a model that had delivered nothing costs 0.
    assert all(r.tokens_estimated and r.cost == (delivered_cost(r) if r.completion_tokens else 0) for r in rows)
    assert any(r.content and r.cost > 0 for r in rows)
    stats = fake_upstream.stats()
    closed = stats.get("closed_early", {})
    assert sum(v for k, v in closed.items() if "@slow=30" in k) >= 2, stats


def test_stream_needs_credentials_and_validates(app_server, alice_key, chat_model):
    anonymous = httpx.get(f"{app_server.url}/api/v1/ai/stream", params={"prompt": "x", "models": chat_model.slug})
    assert anonymous.status_code == 401
    too_many = httpx.get(
        f"{app_server.url}/api/v1/ai/stream",
        params={"prompt": "x", "models": "a,b,c,d,e"},
        headers={"X-API-Key": alice_key},
    )
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "VALIDATION_ERROR"
