"""`/v1/responses` in OpenAI's Responses shapes, driven by the official `openai` SDK against a live
server, on the demo provider and on the fake upstream (which speaks chat completions only: the door
translates both ways)."""

import json

import openai
import pytest
from pydantic import BaseModel

from playground.models import StoredResponse
from tests.ledger import flush_ledger
from usage.counters import quota_used
from usage.models import Door, Generation

pytestmark = pytest.mark.django_db(transaction=True)
WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def _client(server, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key=key, timeout=30, max_retries=0)


def test_a_response_is_answered_metered_and_recorded_as_the_responses_door(app_server, alice, alice_key, model):
    raw = _client(app_server, alice_key).responses.with_raw_response.create(
        model=model.slug, instructions="Answer briefly.", input="Say hello", max_output_tokens=64
    )
    response = raw.parse()

    assert response.status == "completed" and response.model == model.slug and response.output_text
    assert response.output[0].type == "message" and response.output[0].content[0].type == "output_text"
    assert raw.headers["x-ratelimit-remaining"] == "9"
    flush_ledger()
    row = Generation.objects.get(user=alice)
    assert row.door == Door.RESPONSES and row.content == response.output_text and row.cost > 0
    assert row.input_messages == [
        {"role": "system", "content": "Answer briefly."},
        {"role": "user", "content": "Say hello"},
    ]
    assert row.parameters["max_tokens"] == 64
    usage = response.usage
    assert (usage.input_tokens, usage.output_tokens) == (row.prompt_tokens, row.completion_tokens)
    assert usage.input_tokens_details.cached_tokens == 0 and usage.output_tokens_details.reasoning_tokens == 0


def test_a_streamed_response_follows_the_responses_event_sequence(app_server, alice, alice_key, model):
    client = _client(app_server, alice_key)
    with client.responses.stream(model=model.slug, input="Say hello") as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()

    assert kinds[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert "response.output_text.delta" in kinds and kinds[-1] == "response.completed"
    assert kinds.index("response.output_text.done") < kinds.index("response.output_item.done")
    flush_ledger()
    row = Generation.objects.get(user=alice)
    assert final.output_text == row.content and final.usage.output_tokens == row.completion_tokens
    assert row.door == Door.RESPONSES


def _call(response):
    calls = [item for item in response.output if item.type == "function_call"]
    assert len(calls) == 1, response.output
    return calls[0]


@pytest.mark.parametrize("streamed", [False, True])
def test_a_function_tool_round_trip_with_previous_response_id(app_server, alice, alice_key, model, streamed):
    client = _client(app_server, alice_key)
    ask = "What is the weather in Paris?"
    if streamed:
        with client.responses.stream(model=model.slug, input=ask, tools=[WEATHER]) as stream:
            kinds = [event.type for event in stream]
            first = stream.get_final_response()
        assert "response.function_call_arguments.delta" in kinds
        assert "response.function_call_arguments.done" in kinds
    else:
        first = client.responses.create(model=model.slug, input=ask, tools=[WEATHER])
    call = _call(first)
    assert call.name == "get_weather" and isinstance(json.loads(call.arguments)["city"], str)

    result = {"type": "function_call_output", "call_id": call.call_id, "output": "Sunny, 21 degrees"}
    final = client.responses.create(model=model.slug, previous_response_id=first.id, input=[result], tools=[WEATHER])

    assert "Sunny, 21 degrees" in final.output_text and final.previous_response_id == first.id
    flush_ledger()
    calling, answering = Generation.objects.filter(user=alice).order_by("created_at")
    assert calling.output["tool_calls"][0]["id"] == call.call_id
    assert answering.input_messages[0] == {"role": "user", "content": ask}
    assert answering.input_messages[1]["tool_calls"][0]["function"]["name"] == "get_weather"
    assert answering.input_messages[2] == {"role": "tool", "tool_call_id": call.call_id, "content": "Sunny, 21 degrees"}


def test_a_tool_round_trip_with_the_items_sent_back(app_server, alice_key, fake_model, fake_upstream):
    client = _client(app_server, alice_key)
    ask = [{"role": "user", "content": [{"type": "input_text", "text": "What is the weather in Paris?"}]}]
    first = client.responses.create(model=fake_model.slug, input=ask, tools=[WEATHER], store=False)
    call = _call(first)
    items = [*ask, call.model_dump(exclude_none=True)]
    items.append({"type": "function_call_output", "call_id": call.call_id, "output": "Rain"})

    final = client.responses.create(model=fake_model.slug, input=items, tools=[WEATHER])

    assert "Rain" in final.output_text
    sent = fake_upstream.last_body("openai", "gpt-4o-mini")
    assert sent["messages"][1]["tool_calls"][0]["id"] == call.call_id
    assert sent["tools"] == [{"type": "function", "function": {k: v for k, v in WEATHER.items() if k != "type"}}]
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(first.id)  # store=False: not kept


class Weather(BaseModel):
    city: str
    degrees: int


def test_text_format_json_schema(app_server, alice_key, model, fake_upstream):
    parsed = _client(app_server, alice_key).responses.parse(
        model=model.slug, input="The weather in Paris, as JSON", text_format=Weather
    )
    assert isinstance(parsed.output_parsed, Weather)
    if model.provider.adapter_kind == "openai":
        sent = fake_upstream.last_body("openai", "gpt-4o-mini")["response_format"]
        assert sent["type"] == "json_schema" and sent["json_schema"]["name"] == "Weather"
        assert sent["json_schema"]["schema"]["required"] == ["city", "degrees"]


def test_reading_a_stored_response_back_never_charges(app_server, alice, alice_key, fake_model):
    client = _client(app_server, alice_key)
    made = client.responses.create(model=fake_model.slug, input="Say hello")
    flush_ledger()
    charged = Generation.objects.get(user=alice)
    used = quota_used(user_id=alice.pk)

    again = client.responses.retrieve(made.id)
    items = client.responses.input_items.list(made.id)

    assert again.model_dump() == made.model_dump()
    assert [item.content[0].text for item in items.data] == ["Say hello"]
    flush_ledger()
    assert list(Generation.objects.filter(user=alice)) == [charged]
    assert quota_used(user_id=alice.pk) == used

    client.responses.delete(made.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(made.id)
    assert Generation.objects.filter(pk=charged.pk).exists()  # the ledger keeps the billed call


def test_another_users_response_cannot_be_read_continued_or_deleted(app_server, alice_key, bob, key_for, fake_model):
    made = _client(app_server, alice_key).responses.create(model=fake_model.slug, input="A secret")
    intruder = _client(app_server, key_for(bob))

    with pytest.raises(openai.NotFoundError):
        intruder.responses.retrieve(made.id)
    with pytest.raises(openai.NotFoundError):
        intruder.responses.input_items.list(made.id)
    with pytest.raises(openai.NotFoundError):
        intruder.responses.delete(made.id)
    with pytest.raises(openai.NotFoundError) as caught:
        intruder.responses.create(model=fake_model.slug, input="Go on", previous_response_id=made.id)
    assert caught.value.body["param"] == "previous_response_id"
    assert _client(app_server, alice_key).responses.retrieve(made.id).output_text


def test_what_the_gateway_cannot_do_is_refused_by_name(app_server, alice, alice_key, fake_model):
    client = _client(app_server, alice_key)
    with pytest.raises(openai.BadRequestError) as tool:
        client.responses.create(model=fake_model.slug, input="Search", tools=[{"type": "web_search"}])
    with pytest.raises(openai.BadRequestError) as extra:
        client.responses.create(model=fake_model.slug, input="Hi", truncation="auto")
    with pytest.raises(openai.BadRequestError) as cancel:
        client.responses.cancel(client.responses.create(model=fake_model.slug, input="Hi").id)

    assert tool.value.body["param"] == "tools[0].type" and "web_search" in tool.value.body["message"]
    assert "truncation" in extra.value.body["message"]
    assert "background" in cancel.value.body["message"]
    flush_ledger()
    assert Generation.objects.filter(user=alice).count() == 1


def test_usage_reports_cached_and_reasoning_tokens(app_server, alice, alice_key, make_model):
    model = make_model("gpt-4o-mini@cached=5@reasoning=3", slug="fakeai/thinking", supports_reasoning_effort=True)
    response = _client(app_server, alice_key).responses.create(
        model=model.slug, input="Think, then say hello", reasoning={"effort": "low"}
    )
    flush_ledger()
    row = Generation.objects.get(user=alice)
    assert response.usage.input_tokens_details.cached_tokens == 5 == row.cached_tokens
    assert response.usage.output_tokens_details.reasoning_tokens == 3 == row.reasoning_tokens
    assert response.reasoning.effort == "low" and row.parameters["reasoning_effort"] == "low"


def test_a_failure_mid_stream_is_an_error_then_response_failed(app_server, alice, alice_key, make_model):
    broken = make_model("gpt-4o-mini@midstream-error", slug="fakeai/broken")
    events = list(_client(app_server, alice_key).responses.create(model=broken.slug, input="Hi", stream=True))
    kinds = [event.type for event in events]
    assert "response.output_text.delta" in kinds and kinds[-2:] == ["error", "response.failed"]
    assert events[-1].response.status == "failed" and events[-1].response.error.message
    flush_ledger()
    row = Generation.objects.get(user=alice)
    assert row.door == Door.RESPONSES and row.status == "error" and row.content
    with pytest.raises(openai.NotFoundError):  # a failed response is not kept for continuing
        _client(app_server, alice_key).responses.retrieve(events[0].response.id)


def test_the_keys_scopes_decide_who_may_create_read_and_delete(app_server, alice, alice_key, key_for, fake_model):
    made = _client(app_server, alice_key).responses.create(model=fake_model.slug, input="Hi")
    reader = _client(app_server, key_for(alice, scopes=["ai:read"]))
    stranger = _client(app_server, key_for(alice, scopes=["usage:read"]))

    with pytest.raises(openai.PermissionDeniedError):
        reader.responses.create(model=fake_model.slug, input="Hi")
    with pytest.raises(openai.PermissionDeniedError):
        reader.responses.delete(made.id)
    with pytest.raises(openai.PermissionDeniedError):
        stranger.responses.retrieve(made.id)
    assert reader.responses.retrieve(made.id).id == made.id
    with pytest.raises(openai.AuthenticationError):
        _client(app_server, "sk_live_nope").responses.retrieve(made.id)


def test_a_long_conversation_keeps_every_turn_even_after_one_is_deleted(
    app_server, alice_key, fake_model, fake_upstream
):
    client = _client(app_server, alice_key)
    first = client.responses.create(model=fake_model.slug, instructions="Be brief.", input="One")
    second = client.responses.create(model=fake_model.slug, input="Two", previous_response_id=first.id)
    third = client.responses.create(model=fake_model.slug, input="Three", previous_response_id=second.id)
    client.responses.delete(second.id)  # the third continues it: forgotten, its turn kept for the third
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(second.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model=fake_model.slug, input="Again", previous_response_id=second.id)

    fourth = client.responses.create(
        model=fake_model.slug, instructions="Be kind.", input="Four", previous_response_id=third.id
    )

    sent = fake_upstream.last_body("openai", "gpt-4o-mini")["messages"]
    assert sent == [
        {"role": "system", "content": "Be kind."},  # instructions are not carried over
        {"role": "user", "content": "One"},
        {"role": "assistant", "content": first.output_text},
        {"role": "user", "content": "Two"},
        {"role": "assistant", "content": second.output_text},
        {"role": "user", "content": "Three"},
        {"role": "assistant", "content": third.output_text},
        {"role": "user", "content": "Four"},
    ]
    assert fourth.previous_response_id == third.id
    client.responses.delete(fourth.id)  # continued by none: gone for good
    assert not StoredResponse.objects.filter(pk=fourth.id).exists()
    assert StoredResponse.objects.get(pk=second.id).body == {}
