"""The chat surface through our own doors (REST, the event stream), capability checks before any
upstream call, fallbacks that keep every capability, and charging what a stream delivered."""

import json

import httpx
import pytest

from catalog.models import ModelFallback
from tests.ledger import flush_ledger
from tests.playground.conftest import delivered_cost, parse_sse
from usage.models import Generation, SystemSetting

pytestmark = pytest.mark.django_db(transaction=True)
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup",
            "parameters": {"type": "object", "properties": {"term": {"type": "string"}}, "required": ["term"]},
        },
    }
]
ASK = [{"role": "user", "content": "Look up the word kettle"}]


def _post(server, key: str, path: str, body: dict) -> httpx.Response:
    return httpx.post(f"{server.url}{path}", json=body, headers={"X-API-Key": key}, timeout=30)


def test_rest_chat_tool_round_trip(app_server, alice_key, make_model, fake_upstream):
    tooled = make_model("gpt-4o-mini", supports_tools=True)
    first = _post(app_server, alice_key, "/api/v1/ai/chat", {"model": tooled.slug, "messages": ASK, "tools": TOOLS})
    assert first.status_code == 200, first.text
    choice = first.json()["data"]["choices"][0]
    assert choice["finish_reason"] == "tool_calls" and choice["message"]["content"] is None
    call = choice["message"]["tool_calls"][0]
    assert call["function"]["name"] == "lookup"
    messages = [*ASK, choice["message"], {"role": "tool", "tool_call_id": call["id"], "content": "a pot for water"}]
    final = _post(
        app_server, alice_key, "/api/v1/ai/chat", {"model": tooled.slug, "messages": messages, "tools": TOOLS}
    )
    assert "a pot for water" in final.json()["data"]["choices"][0]["message"]["content"]
    assert fake_upstream.last_body("openai", "gpt-4o-mini")["messages"][1]["tool_calls"][0]["id"] == call["id"]


def test_rest_refuses_what_the_model_lacks_by_name_before_any_call(app_server, alice_key, make_model, fake_upstream):
    plain = make_model("gpt-4o-mini", slug="fakeai/plain")
    before = fake_upstream.requests("openai", "gpt-4o-mini")
    for field, value in [
        ("tools", TOOLS),
        ("response_format", {"type": "json_object"}),
        ("logprobs", True),
        ("reasoning_effort", "high"),
        ("seed", 3),
    ]:
        response = _post(app_server, alice_key, "/api/v1/ai/chat", {"model": plain.slug, "messages": ASK, field: value})
        error = response.json()["error"]
        assert response.status_code == 400 and error["code"] == "VALIDATION_ERROR", field
        assert field in error["details"] and error["details"]["model"] == plain.slug, error
    assert fake_upstream.requests("openai", "gpt-4o-mini") == before
    flush_ledger()
    assert not Generation.objects.exists()


def test_text_parts_work_everywhere_and_unknown_fields_are_refused_by_name(app_server, alice_key, make_model):
    plain = make_model("gpt-4o-mini", slug="fakeai/plain-parts")
    parts = [{"role": "user", "content": [{"type": "text", "text": "Hello"}, {"type": "text", "text": "there"}]}]
    answered = _post(app_server, alice_key, "/api/v1/ai/chat", {"model": plain.slug, "messages": parts})
    assert answered.status_code == 200 and "Hello there" in answered.json()["data"]["choices"][0]["message"]["content"]
    unknown = _post(app_server, alice_key, "/api/v1/ai/chat", {"model": plain.slug, "messages": ASK, "top_k": 5})
    assert unknown.status_code == 400 and "top_k" in unknown.json()["error"]["details"]


def test_rest_stream_and_the_event_stream_door_show_tool_calls(app_server, alice_key, make_model):
    tooled = make_model("gpt-4o-mini", supports_tools=True)
    plain = make_model("gpt-4o-mini", slug="fakeai/no-tools")
    streamed = _post(
        app_server,
        alice_key,
        "/api/v1/ai/chat",
        {"model": tooled.slug, "messages": ASK, "tools": TOOLS, "stream": True},
    )
    [calls] = [e for e in parse_sse(streamed.text) if e["type"] == "tool_calls"]
    assert calls["tool_calls"][0]["function"]["name"] == "lookup"

    body = {"models": [tooled.slug, plain.slug], "messages": ASK, "tools": TOOLS}
    events = parse_sse(_post(app_server, alice_key, "/api/v1/ai/stream", body).text)
    assert [e["model"] for e in events if e["type"] == "tool_calls"] == [tooled.slug]
    [refused] = [e for e in events if e["type"] == "error"]
    assert refused["model"] == plain.slug and "tools" in refused["message"]
    metrics = {e["model"]: e for e in events if e["type"] == "metrics"}
    assert metrics[tooled.slug]["finish_reason"] == "tool_calls"


def test_fallbacks_skip_models_without_a_needed_capability(app_server, alice_key, make_model):
    down = make_model("gpt-4o-mini@503", slug="fakeai/down", supports_tools=True)
    toolless = make_model("gpt-4o-mini", slug="fakeai/toolless")
    tooled = make_model("gpt-4o-mini", slug="fakeai/tooled", supports_tools=True)
    ModelFallback.objects.create(model=down, fallback=toolless, position=0)
    ModelFallback.objects.create(model=down, fallback=tooled, position=1)
    response = _post(app_server, alice_key, "/api/v1/ai/chat", {"model": down.slug, "messages": ASK, "tools": TOOLS})
    assert response.status_code == 200 and response.json()["data"]["model"] == tooled.slug
    # Without tools, the first fallback answers as before.
    plain = _post(app_server, alice_key, "/api/v1/ai/chat", {"model": down.slug, "messages": ASK})
    assert plain.json()["data"]["model"] == toolless.slug


def test_generate_n_in_one_call_where_the_model_takes_n(app_server, alice_key, make_model, fake_upstream):
    multi = make_model("gpt-4o-mini", supports_n=True)
    before = fake_upstream.requests("openai", "gpt-4o-mini")
    response = _post(app_server, alice_key, "/api/v1/ai/generate", {"model": multi.slug, "prompt": "Hi", "n": 3})
    assert response.status_code == 200, response.text
    assert [c["index"] for c in response.json()["data"]["choices"]] == [0, 1, 2]
    assert fake_upstream.requests("openai", "gpt-4o-mini") == before + 1


def test_what_a_failed_stream_delivered_is_charged_unless_the_setting_is_off(app_server, alice_key, make_model):
    failing = make_model("gpt-4o-mini@midstream-error")
    body = {"model": failing.slug, "messages": ASK, "stream": True}
    _post(app_server, alice_key, "/api/v1/ai/chat", body)
    SystemSetting.objects.create(key="charge_estimated_usage", value=False, type="boolean", category="ai")
    _post(app_server, alice_key, "/api/v1/ai/chat", body)
    flush_ledger()
    charged, free = Generation.objects.order_by("created_at")
    assert charged.status == free.status == "error" and charged.tokens_estimated and free.tokens_estimated
    assert charged.completion_tokens > 0 and charged.cost == delivered_cost(charged) > 0
    assert free.cost == 0


def test_batch_takes_tools_and_returns_the_calls(alice_api, make_model, committing_execute):
    tooled = make_model("gpt-4o-mini", supports_tools=True)
    plain = make_model("gpt-4o-mini", slug="fakeai/batch-plain")
    refused = alice_api.post(
        "/api/v1/ai/batch", {"model": plain.slug, "prompts": ["a"], "parameters": {"tools": TOOLS}}, format="json"
    )
    assert refused.status_code == 400 and "tools" in refused.json()["error"]["details"]
    with committing_execute():
        accepted = alice_api.post(
            "/api/v1/ai/batch",
            {"model": tooled.slug, "prompts": ["kettle", "teapot"], "parameters": {"tools": TOOLS}},
            format="json",
        )
    assert accepted.status_code == 202, accepted.content
    results = json.loads(alice_api.get(f"/api/v1/ai/batch/{accepted.json()['data']['id']}/results.json").content)
    assert [r["tool_calls"][0]["function"]["name"] for r in results["results"]] == ["lookup", "lookup"]


@pytest.fixture
def committing_execute(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_demo_model_calls_tools_describes_images_and_follows_schemas_with_no_keys(app_server, alice_key):
    from tests.factories import AIModelFactory, ProviderFactory

    demo = ProviderFactory(slug="demo", name="Demo", adapter_kind="demo")
    swift = AIModelFactory(
        provider=demo, upstream_id="swift", slug="demo/swift", input_price_per_1m=None, output_price_per_1m=None,
        supports_tools=True, supports_vision=True, supports_json_mode=True, supports_json_schema=True,
    )  # fmt: skip
    called = _post(
        app_server, alice_key, "/v1/chat/completions", {"model": swift.slug, "messages": ASK, "tools": TOOLS}
    )
    assert called.json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == "lookup"
    blue = "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAFElEQVR4nGOUqzjBgA0wYRUdtBIAFSEBbljO5/4AAAAASUVORK5CYII="
    image = {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{blue}"}}
    seen = _post(
        app_server, alice_key, "/v1/chat/completions",
        {"model": swift.slug, "messages": [{"role": "user", "content": [{"type": "text", "text": "What?"}, image]}]},
    )  # fmt: skip
    assert "8×8 pixels, mostly blue" in seen.json()["choices"][0]["message"]["content"]
    schema = {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]}
    fmt = {"type": "json_schema", "json_schema": {"name": "w", "schema": schema}}
    shaped = _post(
        app_server, alice_key, "/v1/chat/completions", {"model": swift.slug, "messages": ASK, "response_format": fmt}
    )
    assert isinstance(json.loads(shaped.json()["choices"][0]["message"]["content"])["word"], str)


def test_a_connection_dropped_mid_stream_is_charged_for_what_was_delivered(app_server, alice_key, make_model):
    dropped = make_model("gpt-4o-mini@reset", slug="fakeai/dropped")
    body = {"model": dropped.slug, "messages": ASK, "stream": True}
    response = _post(app_server, alice_key, "/v1/chat/completions", body)
    events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: {")]
    received = "".join(e["choices"][0]["delta"].get("content", "") for e in events if e.get("choices"))
    assert events[-1]["error"]["type"] == "api_error" and received
    flush_ledger()
    row = Generation.objects.get()
    assert row.status == "error" and row.content == received and row.tokens_estimated
    assert row.cost == delivered_cost(row) > 0


@pytest.mark.parametrize("path", ["/api/v1/ai/chat", "/api/v1/ai/stream", "/api/v1/ai/generate"])
def test_unsafe_json_is_refused_by_every_rest_door_before_admission(app_server, alice_key, make_model, path):
    model = make_model("gpt-4o-mini")
    raw = json.dumps({"model": model.slug, "models": [model.slug], "prompt": "a\u0000b", "messages": ASK})
    response = httpx.post(
        f"{app_server.url}{path}", content=raw, headers={"X-API-Key": alice_key, "Content-Type": "application/json"}
    )
    error = response.json()["error"]
    assert response.status_code == 400 and error["code"] == "VALIDATION_ERROR" and "prompt" in error["details"]
    ok = _post(app_server, alice_key, "/api/v1/ai/chat", {"model": model.slug, "messages": ASK})
    assert ok.headers["X-RateLimit-Remaining"] == "9"  # the refused body was never admitted


def test_a_role_that_is_not_a_string_is_refused_by_name(app_server, alice_key, make_model):
    plain = make_model("gpt-4o-mini", slug="fakeai/plain-role")
    for role in ({}, ["user"]):
        body = {"model": plain.slug, "messages": [{"role": role, "content": "Hi"}]}
        response = _post(app_server, alice_key, "/api/v1/ai/chat", body)
        assert response.status_code == 400, response.text
        assert "messages[0].role" in response.json()["error"]["details"]


def test_a_stream_post_with_a_field_every_model_refuses_is_a_400_not_a_broken_stream(app_server, alice_key):
    body = {"models": "fakeai/any", "prompt": "Hi", "cache": None}
    response = _post(app_server, alice_key, "/api/v1/ai/stream", body)
    assert response.status_code == 400, response.text
    assert "cache" in response.json()["error"]["message"]


def test_a_stream_post_whose_messages_are_not_a_list_is_a_400(app_server, alice_key):
    for messages in (True, {"role": "user"}, []):
        response = _post(app_server, alice_key, "/api/v1/ai/stream", {"models": "fakeai/any", "messages": messages})
        assert response.status_code == 400, response.text
        assert "messages" in response.json()["error"]["details"]
