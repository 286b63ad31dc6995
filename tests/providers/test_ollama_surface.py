"""Ollama's /api/chat, translated both ways: tools with object arguments, tool results by name,
base64 images on the message, `format`, `think`, logprobs; checked against what the fake received
(it refuses, as Ollama does, what its Go types cannot decode)."""

import json

import jsonschema
import pytest

from providers.base import ProviderError
from providers.registry import get_adapter, unsupported_fields
from tests.providers.helpers import (
    PERSON_FORMAT,
    PERSON_SCHEMA,
    RED_PNG,
    RED_PNG_BASE64,
    WEATHER_TOOL,
    ask,
    collect,
    collect_items,
    tool_round_trip,
)


async def test_a_tool_call_comes_back_with_text_arguments_and_the_tools_go_up_as_given(config_for, fake_upstream):
    result = await get_adapter(config_for("ollama")).chat(
        ask("llama3.2@tools", "Weather in Paris?", tools=[WEATHER_TOOL])
    )

    [call] = result.tool_calls
    assert (call.name, json.loads(call.arguments)) == ("get_weather", {"city": "Paris", "unit": "celsius"})
    assert call.id.startswith("call_")
    assert result.finish_reason == "tool_calls"  # Ollama says "stop"; OpenAI's word is used
    assert fake_upstream.last_body("ollama", "llama3.2@tools")["tools"] == [WEATHER_TOOL]


async def test_a_streamed_tool_call_is_handed_on_as_one_complete_delta(config_for):
    request = ask("llama3.2@tools-stream", "Weather in Paris?", tools=[WEATHER_TOOL])

    deltas, end = await collect_items(get_adapter(config_for("ollama")).stream_chat(request))

    [piece] = [p for d in deltas for p in d.tool_calls or []]
    assert (piece.index, piece.type, piece.name) == (0, "function", "get_weather")
    assert json.loads(piece.arguments) == {"city": "Paris", "unit": "celsius"}
    assert end.finish_reason == "tool_calls"
    assert [c.id for c in end.tool_calls] == [piece.id]


@pytest.mark.parametrize("stream", [False, True])
async def test_assistant_tool_calls_go_up_with_object_arguments_and_results_by_tool_name(
    config_for, fake_upstream, stream
):
    model = f"llama3.2@round-trip-{int(stream)}"
    request = ask(model, tools=[WEATHER_TOOL])
    request.messages = tool_round_trip("call_9", "get_weather", '{"city": "Paris"}', "sunny")
    adapter = get_adapter(config_for("ollama"))

    text = (await collect(adapter.stream_chat(request)))[0] if stream else (await adapter.chat(request)).content

    assert text == "Echo from llama3.2: sunny"
    messages = fake_upstream.last_body("ollama", model)["messages"]
    assert messages[1] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris"}}}],
    }
    assert messages[2] == {"role": "tool", "content": "sunny", "tool_name": "get_weather"}


async def test_a_data_uri_image_goes_up_as_bare_base64_on_the_message(config_for, fake_upstream):
    request = ask("llava@image")
    request.messages = [
        {"role": "developer", "content": "Be brief."},
        {
            "role": "user",
            "content": [{"type": "text", "text": "What is this"}, {"type": "image_url", "image_url": {"url": RED_PNG}}],
        },
    ]

    result = await get_adapter(config_for("ollama")).chat(request)

    assert result.content == "Echo from llava: What is this [1 image]"
    assert fake_upstream.last_body("ollama", "llava@image")["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What is this", "images": [RED_PNG_BASE64]},
    ]


async def test_a_remote_image_is_refused_by_name_because_ollama_fetches_nothing(config_for, fake_upstream):
    request = ask("llava@remote")
    image = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    request.messages = [{"role": "user", "content": [{"type": "text", "text": "see"}, image]}]

    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for("ollama")).chat(request)

    assert caught.value.code == "unsupported_field"
    assert "messages[0].content[1].image_url.url" in caught.value.message
    assert fake_upstream.requests("ollama", "llava@remote") == 0


@pytest.mark.parametrize("stream", [False, True])
async def test_json_schema_becomes_format_and_the_answer_satisfies_it(config_for, fake_upstream, stream):
    model = f"llama3.2@format-{int(stream)}"
    request = ask(model, "Describe Ada, 36", response_format=PERSON_FORMAT)
    adapter = get_adapter(config_for("ollama"))

    text = (await collect(adapter.stream_chat(request)))[0] if stream else (await adapter.chat(request)).content

    jsonschema.validate(json.loads(text), PERSON_SCHEMA)
    assert fake_upstream.last_body("ollama", model)["format"] == PERSON_SCHEMA


async def test_json_mode_becomes_format_json(config_for, fake_upstream):
    result = await get_adapter(config_for("ollama")).chat(
        ask("llama3.2@json", "hi", response_format={"type": "json_object"})
    )

    assert json.loads(result.content) == {"echo": "hi"}
    assert fake_upstream.last_body("ollama", "llama3.2@json")["format"] == "json"


async def test_sampling_fields_seed_stop_and_the_cap_go_into_options(config_for, fake_upstream):
    request = ask("llama3.2@options", "a b c d", max_tokens=6, seed=3, stop=[" c"], presence_penalty=0.5, top_p=0.8)

    result = await get_adapter(config_for("ollama")).chat(request)

    assert result.content == "Echo from llama3.2: a b"
    body = fake_upstream.last_body("ollama", "llama3.2@options")
    assert body["options"] == {"num_predict": 6, "seed": 3, "stop": [" c"], "presence_penalty": 0.5, "top_p": 0.8}


async def test_logprobs_and_reasoning_effort_are_translated(config_for, fake_upstream):
    adapter = get_adapter(config_for("ollama"))
    request = ask("llama3.2@logprobs", "one two", logprobs=True, top_logprobs=2, reasoning_effort="low")

    result = await adapter.chat(request)
    deltas, _ = await collect_items(adapter.stream_chat(request))

    assert "".join(e.token for e in result.logprobs) == result.content
    assert [e.token for d in deltas for e in d.logprobs or []] == [e.token for e in result.logprobs]
    body = fake_upstream.last_body("ollama", "llama3.2@logprobs")
    assert (body["logprobs"], body["top_logprobs"], body["think"]) == (True, 2, "low")


async def test_tool_choice_none_offers_no_tools_and_forcing_a_tool_is_refused(config_for, fake_upstream):
    adapter = get_adapter(config_for("ollama"))

    result = await adapter.chat(ask("llama3.2@choice-none", "hi", tools=[WEATHER_TOOL], tool_choice="none"))

    assert result.content == "Echo from llama3.2: hi" and not result.tool_calls
    assert "tools" not in fake_upstream.last_body("ollama", "llama3.2@choice-none")
    for choice in ("required", {"type": "function", "function": {"name": "get_weather"}}):
        assert unsupported_fields("ollama", ask("m", tools=[WEATHER_TOOL], tool_choice=choice)) == ["tool_choice"]
