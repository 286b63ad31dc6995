"""MiniMax chatcompletion_v2, translated both ways: tools and tool calls, stop, images, JSON
Schema; what the API does not document is refused by name rather than dropped."""

import json

import jsonschema
import pytest

from providers.base import ProviderError
from providers.registry import get_adapter, unsupported_fields
from tests.providers.helpers import (
    PERSON_FORMAT,
    PERSON_SCHEMA,
    RED_PNG,
    WEATHER_TOOL,
    ask,
    collect,
    collect_items,
    tool_round_trip,
)


async def test_a_tool_call_comes_back_whole(config_for, fake_upstream):
    result = await get_adapter(config_for("minimax")).chat(
        ask("MiniMax-M2@tools", "Weather in Paris?", tools=[WEATHER_TOOL], tool_choice="auto")
    )

    [call] = result.tool_calls
    assert (call.name, json.loads(call.arguments)) == ("get_weather", {"city": "Paris", "unit": "celsius"})
    assert result.finish_reason == "tool_calls"
    body = fake_upstream.last_body("minimax", "MiniMax-M2@tools")
    assert (body["tools"], body["tool_choice"]) == ([WEATHER_TOOL], "auto")


async def test_a_streamed_tool_call_is_assembled_and_the_repeated_final_message_is_not_added(config_for):
    request = ask("MiniMax-M2@tools-stream", "Weather in Paris?", tools=[WEATHER_TOOL])

    deltas, end = await collect_items(get_adapter(config_for("minimax")).stream_chat(request))

    pieces = [p for d in deltas for p in d.tool_calls or []]
    assert pieces[0].name == "get_weather" and pieces[0].id
    assert json.loads("".join(p.arguments for p in pieces)) == {"city": "Paris", "unit": "celsius"}
    assert [json.loads(c.arguments) for c in end.tool_calls] == [{"city": "Paris", "unit": "celsius"}]
    assert end.finish_reason == "tool_calls"


@pytest.mark.parametrize("stream", [False, True])
async def test_tool_results_go_back_and_a_null_content_becomes_empty_text(config_for, fake_upstream, stream):
    model = f"MiniMax-M2@round-trip-{int(stream)}"
    request = ask(model, tools=[WEATHER_TOOL])
    request.messages = tool_round_trip("call_2", "get_weather", '{"city":"Paris"}', "rainy")
    adapter = get_adapter(config_for("minimax"))

    text = (await collect(adapter.stream_chat(request)))[0] if stream else (await adapter.chat(request)).content

    assert text == "Echo from MiniMax-M2: rainy"
    messages = fake_upstream.last_body("minimax", model)["messages"]
    assert messages[1]["content"] == "" and messages[1]["tool_calls"] == request.messages[1]["tool_calls"]
    assert messages[2] == {"role": "tool", "tool_call_id": "call_2", "content": "rainy"}


@pytest.mark.parametrize("stream", [False, True])
async def test_stop_reaches_minimax_and_cuts_the_reply(config_for, fake_upstream, stream):
    model = f"MiniMax-M2@stop-{int(stream)}"
    adapter = get_adapter(config_for("minimax"))
    request = ask(model, "red green blue", stop=[" blue"], max_tokens=50)

    text = (await collect(adapter.stream_chat(request)))[0] if stream else (await adapter.chat(request)).content

    assert text == "Echo from MiniMax-M2: red green"
    body = fake_upstream.last_body("minimax", model)
    assert (body["stop"], body["max_completion_tokens"]) == ([" blue"], 50)


async def test_images_and_a_json_schema_go_up_in_openais_shape(config_for, fake_upstream):
    request = ask("MiniMax-Text-01@vision", response_format=PERSON_FORMAT)
    parts = [{"type": "text", "text": "Who is Ada"}, {"type": "image_url", "image_url": {"url": RED_PNG}}]
    request.messages = [{"role": "developer", "content": "Answer in JSON."}, {"role": "user", "content": parts}]

    result = await get_adapter(config_for("minimax")).chat(request)

    jsonschema.validate(json.loads(result.content), PERSON_SCHEMA)
    body = fake_upstream.last_body("minimax", "MiniMax-Text-01@vision")
    assert body["messages"] == [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": parts}]
    assert body["response_format"] == PERSON_FORMAT


@pytest.mark.parametrize(
    ("fields", "refused"),
    [
        ({"seed": 7}, ["seed"]),
        ({"presence_penalty": 0.5}, ["presence_penalty"]),
        ({"n": 2}, ["n"]),
        ({"logprobs": True, "top_logprobs": 2}, ["logprobs", "top_logprobs"]),
        ({"tools": [WEATHER_TOOL], "tool_choice": "required"}, ["tool_choice"]),
        ({"response_format": {"type": "json_object"}}, ["response_format"]),
    ],
)
async def test_what_minimax_does_not_document_is_refused_by_name_before_any_call(
    config_for, fake_upstream, fields, refused
):
    model = f"MiniMax-M2@refuse-{'-'.join(refused)}"
    assert unsupported_fields("minimax", ask(model, **fields)) == refused

    with pytest.raises(ProviderError) as caught:
        await collect(get_adapter(config_for("minimax")).stream_chat(ask(model, **fields)))

    assert (caught.value.kind, caught.value.code) == ("bad_request", "unsupported_field")
    assert all(name in caught.value.message for name in refused)
    assert fake_upstream.requests("minimax", model) == 0
