"""`/v1/messages` in Anthropic's shapes, driven by the official `anthropic` SDK against a live server,
on the demo provider and on the fake upstream (which speaks OpenAI's wire format: the door translates
both ways)."""

import base64
import io
import json

import anthropic
import httpx
import pytest
from PIL import Image
from pydantic import BaseModel

from tests.ledger import flush_ledger
from usage.models import Door, Generation, SystemSetting
from usage.settings_store import DEFAULTS

pytestmark = pytest.mark.django_db(transaction=True)
WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]


def _client(server, key: str, **options) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.url, api_key=key, timeout=30, **{"max_retries": 0, **options})


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 0, 0)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def test_a_message_is_answered_metered_and_recorded_as_the_anthropic_door(app_server, alice, alice_key, model):
    raw = _client(app_server, alice_key).messages.with_raw_response.create(
        model=model.slug,
        max_tokens=64,
        system="Answer briefly.",
        messages=[{"role": "user", "content": "Say hello"}],
        extra_body={"temperature": 0.5},  # the SDK no longer types the sampling fields; the API takes them
    )
    message = raw.parse()

    assert message.type == "message" and message.role == "assistant" and message.model == model.slug
    assert message.content[0].type == "text" and message.content[0].text
    assert message.stop_reason == "end_turn" and message.usage.output_tokens > 0
    assert raw.headers["x-ratelimit-limit"] == "10" and raw.headers["x-ratelimit-remaining"] == "9"
    flush_ledger()
    row = Generation.objects.get(user=alice)
    assert row.door == Door.ANTHROPIC and row.api_key_id is not None
    assert row.content == message.content[0].text and row.cost > 0
    assert row.input_messages[0] == {"role": "system", "content": "Answer briefly."}
    assert row.parameters["max_tokens"] == 64 and row.parameters["temperature"] == 0.5
    assert message.usage.input_tokens + message.usage.cache_read_input_tokens == row.prompt_tokens


def test_the_key_may_come_as_a_bearer_token_and_the_version_header_is_accepted(app_server, alice_key, fake_model):
    response = httpx.post(
        f"{app_server.url}/v1/messages",
        headers={"Authorization": f"Bearer {alice_key}", "anthropic-version": "2023-06-01"},
        json={"model": fake_model.slug, "max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}]},
    )
    assert response.status_code == 200 and response.json()["type"] == "message"


def test_a_streamed_message_follows_anthropics_event_sequence(app_server, alice, alice_key, model):
    client = _client(app_server, alice_key)
    with client.messages.stream(model=model.slug, max_tokens=64, messages=[{"role": "user", "content": "Hi"}]) as s:
        events = [event.type for event in s]
        final = s.get_final_message()

    assert events[0] == "message_start" and events[-1] == "message_stop"
    assert events[1] == "content_block_start" and "content_block_delta" in events
    assert events.index("content_block_stop") < events.index("message_delta")
    assert final.stop_reason == "end_turn" and final.usage.output_tokens > 0
    flush_ledger()
    row = Generation.objects.get(user=alice)
    assert row.door == Door.ANTHROPIC and row.content == final.content[0].text
    assert final.usage.output_tokens == row.completion_tokens


def _tool_use(message):
    blocks = [block for block in message.content if block.type == "tool_use"]
    assert len(blocks) == 1, message.content
    return blocks[0]


@pytest.mark.parametrize("streamed", [False, True])
def test_a_tool_round_trip(app_server, alice, alice_key, model, streamed):
    client = _client(app_server, alice_key)
    ask = {"model": model.slug, "max_tokens": 128, "tools": [WEATHER], "tool_choice": {"type": "auto"}}
    if streamed:
        with client.messages.stream(**ask, messages=ASK) as stream:
            kinds = [(e.type, getattr(getattr(e, "delta", None), "type", None)) for e in stream]
            first = stream.get_final_message()
        assert ("content_block_delta", "input_json_delta") in kinds
    else:
        first = client.messages.create(**ask, messages=ASK)
    call = _tool_use(first)
    assert first.stop_reason == "tool_use" and call.name == "get_weather" and isinstance(call.input["city"], str)

    history = [
        *ASK,
        {"role": "assistant", "content": [block.model_dump(exclude_none=True) for block in first.content]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "Sunny, 21 degrees"}]},
    ]
    final = client.messages.create(**ask, messages=history)

    assert final.stop_reason == "end_turn" and "Sunny, 21 degrees" in final.content[0].text
    flush_ledger()
    calling, answering = Generation.objects.filter(user=alice).order_by("created_at")
    assert calling.output["tool_calls"][0]["function"]["name"] == "get_weather"
    assert calling.parameters["tools"][0]["function"]["parameters"] == WEATHER["input_schema"]
    assert answering.input_messages[-1] == {"role": "tool", "tool_call_id": call.id, "content": "Sunny, 21 degrees"}
    assert answering.input_messages[-2]["tool_calls"][0]["id"] == call.id


def test_the_fake_upstream_receives_the_translated_request(app_server, alice_key, fake_model, fake_upstream):
    _client(app_server, alice_key).messages.create(
        model=fake_model.slug,
        max_tokens=32,
        stop_sequences=["END"],
        tools=[WEATHER],
        tool_choice={"type": "tool", "name": "get_weather", "disable_parallel_tool_use": True},
        messages=ASK,
    )
    sent = fake_upstream.last_body("openai", "gpt-4o-mini")
    assert sent["tools"] == [{"type": "function", "function": {**_function(WEATHER)}}]
    assert sent["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert sent["parallel_tool_calls"] is False and sent["stop"] == ["END"]
    assert sent["messages"] == ASK


def _function(tool: dict) -> dict:
    return {"name": tool["name"], "parameters": tool["input_schema"], "description": tool["description"]}


def test_an_image_block_reaches_the_model(app_server, alice_key, model, fake_upstream):
    data = _png()
    content = [
        {"type": "text", "text": "Describe this"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}},
    ]
    message = _client(app_server, alice_key).messages.create(
        model=model.slug, max_tokens=64, messages=[{"role": "user", "content": content}]
    )
    assert message.content[0].text
    if model.provider.adapter_kind == "openai":
        sent = fake_upstream.last_body("openai", "gpt-4o-mini")["messages"][0]["content"]
        assert sent == [
            {"type": "text", "text": "Describe this"},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}},
        ]
        assert "[1 images]" in message.content[0].text or "image" in message.content[0].text


def test_count_tokens_answers_without_charging(app_server, alice, alice_key, fake_model, fake_upstream):
    before = fake_upstream.requests("openai", "gpt-4o-mini")
    raw = _client(app_server, alice_key).messages.with_raw_response.count_tokens(
        model=fake_model.slug, system="Be brief.", messages=ASK, tools=[WEATHER]
    )
    counted = raw.parse()
    assert raw.headers["x-ratelimit-endpoint"] == "api"  # the general API limit, not a model call
    longer = _client(app_server, alice_key).messages.count_tokens(
        model=fake_model.slug, messages=[{"role": "user", "content": "What is the weather in Paris? " * 20}]
    )
    assert 0 < counted.input_tokens < longer.input_tokens
    assert fake_upstream.requests("openai", "gpt-4o-mini") == before
    flush_ledger()
    assert not Generation.objects.exists()


def _error(server, key, **body):
    request = {"max_tokens": 16, "messages": [{"role": "user", "content": "Hi"}], **body}
    with pytest.raises(anthropic.APIStatusError) as caught:
        _client(server, key).messages.create(**request)
    return caught.value


def test_every_error_class_in_anthropics_shape(app_server, alice, alice_key, key_for, fake_model, make_model):
    bad = _error(app_server, alice_key, model=fake_model.slug, thinking={"type": "enabled", "budget_tokens": 1024})
    assert isinstance(bad, anthropic.BadRequestError) and bad.body["error"]["type"] == "invalid_request_error"
    assert bad.body["type"] == "error" and "thinking" in bad.body["error"]["message"]

    blocked = _error(app_server, alice_key, model=fake_model.slug, messages=[{"role": "user", "content": [
        {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}}
    ]}])  # fmt: skip
    assert isinstance(blocked, anthropic.BadRequestError) and "document" in blocked.body["error"]["message"]

    unknown = _error(app_server, "sk_live_nope", model=fake_model.slug)
    assert isinstance(unknown, anthropic.AuthenticationError)
    assert unknown.body["error"]["type"] == "authentication_error"

    reader = _error(app_server, key_for(alice, scopes=["ai:read"]), model=fake_model.slug)
    assert isinstance(reader, anthropic.PermissionDeniedError) and reader.body["error"]["type"] == "permission_error"

    missing = _error(app_server, alice_key, model="no/such-model")
    assert isinstance(missing, anthropic.NotFoundError) and missing.body["error"]["type"] == "not_found_error"

    down = make_model("gpt-4o-mini@503", slug="fakeai/down")
    failed = _error(app_server, alice_key, model=down.slug)
    assert isinstance(failed, anthropic.InternalServerError) and failed.body["error"]["type"] == "api_error"
    assert failed.response.headers["x-should-retry"] == "false"

    flush_ledger()
    assert Generation.objects.filter(user=alice).count() == 1  # only the upstream failure reached a model
    assert Generation.objects.get(user=alice).cost == 0


def test_the_tiers_limit_is_a_rate_limit_error(app_server, alice_key, fake_model):
    tiers = {**DEFAULTS["tier_limits"][0], "free": {"per_minute": 1, "daily": 50, "weekly": 350, "monthly": 1500}}
    SystemSetting.objects.create(key="tier_limits", value=tiers, type="object")
    _client(app_server, alice_key).messages.create(model=fake_model.slug, max_tokens=16, messages=ASK)

    limited = _error(app_server, alice_key, model=fake_model.slug)

    assert isinstance(limited, anthropic.RateLimitError) and limited.body["error"]["type"] == "rate_limit_error"
    assert int(limited.response.headers["retry-after"]) >= 1


def test_a_stream_that_fails_before_its_first_byte_is_an_error_response(app_server, alice_key, make_model):
    down = make_model("gpt-4o-mini@503", slug="fakeai/down")
    client = _client(app_server, alice_key)
    with (
        pytest.raises(anthropic.InternalServerError) as caught,
        client.messages.stream(model=down.slug, max_tokens=16, messages=ASK) as stream,
    ):
        list(stream)
    assert caught.value.body["error"]["type"] == "api_error"


def test_a_stream_event_is_json_per_anthropics_wire(app_server, alice_key, fake_model):
    body = {"model": fake_model.slug, "max_tokens": 16, "stream": True, "messages": ASK}
    with httpx.stream("POST", f"{app_server.url}/v1/messages", headers={"x-api-key": alice_key}, json=body) as r:
        text = "".join(r.iter_text())
    names = [line[7:] for line in text.splitlines() if line.startswith("event: ")]
    datas = [json.loads(line[6:]) for line in text.splitlines() if line.startswith("data: ")]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert [d["type"] for d in datas] == names
    assert datas[-2]["delta"]["stop_reason"] == "end_turn" and datas[-2]["usage"]["output_tokens"] > 0


def test_a_failure_mid_stream_is_an_error_event_and_what_was_delivered_is_recorded(
    app_server, alice, alice_key, make_model
):
    broken = make_model("gpt-4o-mini@midstream-error", slug="fakeai/broken")
    client = _client(app_server, alice_key)
    seen = []
    with (
        pytest.raises(anthropic.APIStatusError) as caught,
        client.messages.stream(model=broken.slug, max_tokens=64, messages=ASK) as stream,
    ):
        seen.extend(event.type for event in stream)
    assert seen[0] == "message_start" and "content_block_delta" in seen and "message_stop" not in seen
    assert caught.value.body["type"] == "error" and caught.value.body["error"]["type"] == "api_error"
    flush_ledger()
    row = Generation.objects.get(user=alice)
    assert row.door == Door.ANTHROPIC and row.status == "error" and row.content


def test_cached_input_tokens_are_reported_as_anthropic_reports_them(app_server, alice, alice_key, make_model):
    cached = make_model("gpt-4o-mini@cached=5", slug="fakeai/cached")
    message = _client(app_server, alice_key).messages.create(model=cached.slug, max_tokens=16, messages=ASK)
    flush_ledger()
    row = Generation.objects.get(user=alice)
    assert message.usage.cache_read_input_tokens == 5 == row.cached_tokens
    assert message.usage.input_tokens == row.prompt_tokens - 5


def test_a_wrong_method_is_a_405_in_anthropics_shape(app_server, alice_key):
    response = httpx.get(f"{app_server.url}/v1/messages", headers={"x-api-key": alice_key})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert response.json()["type"] == "error" and response.json()["error"]["type"] == "invalid_request_error"


def test_count_tokens_names_an_unknown_model_and_needs_a_key(app_server, alice_key):
    with pytest.raises(anthropic.NotFoundError):
        _client(app_server, alice_key).messages.count_tokens(model="no/such-model", messages=ASK)
    with pytest.raises(anthropic.AuthenticationError):
        _client(app_server, "sk_live_nope").messages.count_tokens(model="no/such-model", messages=ASK)


class Weather(BaseModel):
    city: str
    degrees: int


def test_structured_output_and_effort(app_server, alice, alice_key, model):
    model.supports_json_schema = model.supports_reasoning_effort = True
    model.save()
    takes_effort = model.provider.adapter_kind == "openai"  # the demo refuses reasoning_effort by name
    parsed = _client(app_server, alice_key).messages.parse(
        model=model.slug,
        max_tokens=128,
        messages=[{"role": "user", "content": "The weather in Paris, as JSON"}],
        output_format=Weather,
        **({"output_config": {"effort": "low"}} if takes_effort else {}),
    )
    assert isinstance(parsed.parsed_output, Weather)
    flush_ledger()
    row = Generation.objects.get(user=alice)
    assert row.parameters["response_format"]["json_schema"]["schema"]["required"] == ["city", "degrees"]
    assert row.parameters.get("reasoning_effort") == ("low" if takes_effort else None)
