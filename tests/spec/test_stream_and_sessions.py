"""The playground backend plan's (001) multi-model stream: its field names beside ours, a chunk
`timestamp`, and sessions with a `status`."""

import time

import httpx
import pytest

from tests.playground.conftest import parse_sse

pytestmark = pytest.mark.django_db(transaction=True)

# The plan's own example: GET /playground/stream?prompt=Hello&models=gpt-3.5-turbo,gpt-4o-mini
SPEC_PROMPT = "Hello"


def _stream(server, key: str, models: list[str]) -> list[dict]:
    params = {"prompt": SPEC_PROMPT, "models": ",".join(models)}
    response = httpx.get(f"{server.url}/api/v1/ai/stream", params=params, headers={"X-API-Key": key}, timeout=30)
    assert response.status_code == 200
    return parse_sse(response.text)


def _session(server, key: str, session_id: str) -> dict:
    response = httpx.get(f"{server.url}/api/v1/sessions/{session_id}", headers={"X-API-Key": key}, timeout=10)
    assert response.status_code == 200
    return response.json()["data"]


def test_the_stream_speaks_the_plans_names_beside_ours(app_server, alice_key, make_model):
    models = [make_model("gpt-3.5-turbo").slug, make_model("gpt-4o-mini").slug]
    before = int(time.time() * 1000)
    events = _stream(app_server, alice_key, models)
    after = int(time.time() * 1000)

    session, done = events[0], events[-1]
    assert session["type"] == "session" and session["sessionId"] == session["session_id"]
    assert done["type"] == "done" and done["sessionId"] == session["session_id"]
    chunks = [e for e in events if e["type"] == "chunk"]
    assert chunks and all(before <= e["timestamp"] <= after for e in chunks)
    assert [e["timestamp"] for e in chunks] == sorted(e["timestamp"] for e in chunks)
    metrics = [e for e in events if e["type"] == "metrics"]
    assert sorted(m["model"] for m in metrics) == sorted(models)
    for m in metrics:
        assert m["tokensUsed"] == m["tokens"] > 0
        assert m["responseTime"] == m["duration_ms"] >= 0
        assert m["cost"] is not None


def test_a_session_whose_models_all_answered_is_completed(app_server, alice_key, make_model):
    events = _stream(app_server, alice_key, [make_model("gpt-4o-mini").slug])

    session = _session(app_server, alice_key, events[0]["sessionId"])
    assert session["status"] == "completed"


def test_a_session_where_one_model_failed_is_partial(app_server, alice_key, make_model):
    events = _stream(app_server, alice_key, [make_model("gpt-4o-mini").slug, make_model("gpt-4o-mini@500").slug])

    assert _session(app_server, alice_key, events[0]["sessionId"])["status"] == "partial"


def test_a_session_where_every_model_failed_is_failed_and_listed_so(app_server, alice_key, make_model):
    events = _stream(app_server, alice_key, [make_model("gpt-4o-mini@500").slug])

    response = httpx.get(f"{app_server.url}/api/v1/sessions", headers={"X-API-Key": alice_key}, timeout=10)
    listed = {s["id"]: s["status"] for s in response.json()["data"]["items"]}
    assert listed == {events[0]["sessionId"]: "failed"}


def test_sessions_can_be_listed_by_status(app_server, alice_key, make_model):
    failed = _stream(app_server, alice_key, [make_model("gpt-4o-mini@500").slug])[0]["sessionId"]
    completed = _stream(app_server, alice_key, [make_model("gpt-4o-mini").slug])[0]["sessionId"]

    def listed(status: str) -> httpx.Response:
        url = f"{app_server.url}/api/v1/sessions"
        return httpx.get(url, params={"status": status}, headers={"X-API-Key": alice_key}, timeout=10)

    assert [s["id"] for s in listed("completed").json()["data"]["items"]] == [completed]
    assert [s["id"] for s in listed("failed").json()["data"]["items"]] == [failed]
    assert listed("finished").status_code == 400
