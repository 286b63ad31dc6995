"""Tools, images, structured output, logprobs, n, seed and stop through the OpenAI-wire adapters
(OpenAI, custom OpenAI-compatible, OpenRouter, Hugging Face's router), over HTTP against fakes that
speak each one's format and record what they received."""

import json

import jsonschema
import pytest

from providers.base import ProviderError
from providers.registry import get_adapter
from tests.providers.helpers import (
    PERSON_FORMAT,
    PERSON_SCHEMA,
    RED_PNG,
    TIME_TOOL,
    WEATHER_TOOL,
    ask,
    collect,
    collect_items,
    tool_round_trip,
)

KINDS = ["openai", "openai_compatible", "openrouter", "huggingface"]
FAKE_NAME = {"openai": "openai", "openai_compatible": "openai", "openrouter": "openrouter", "huggingface": "hf"}


def sent(fake_upstream, kind: str, model: str) -> dict:
    return fake_upstream.last_body(FAKE_NAME[kind], model)


@pytest.mark.parametrize("kind", KINDS)
async def test_a_tool_call_comes_back_whole_and_the_tools_went_up_as_given(config_for, fake_upstream, kind):
    model = f"m-{kind}@tools-whole"
    request = ask(model, "What is the weather in Paris?", tools=[WEATHER_TOOL], tool_choice="auto")

    result = await get_adapter(config_for(kind)).chat(request)

    assert result.finish_reason == "tool_calls"
    assert result.content == ""
    [call] = result.tool_calls
    assert (call.name, call.type) == ("get_weather", "function")
    assert call.id.startswith("call_")
    assert json.loads(call.arguments) == {"city": "Paris", "unit": "celsius"}
    body = sent(fake_upstream, kind, model)
    assert body["tools"] == [WEATHER_TOOL]
    assert body["tool_choice"] == "auto"


@pytest.mark.parametrize("kind", KINDS)
async def test_a_streamed_tool_call_arrives_in_openais_delta_shape(config_for, kind):
    request = ask(f"m-{kind}@tools-stream", "What is the weather in Paris?", tools=[WEATHER_TOOL])

    deltas, end = await collect_items(get_adapter(config_for(kind)).stream_chat(request))

    pieces = [d for delta in deltas for d in delta.tool_calls or []]
    first, rest = pieces[0], pieces[1:]
    assert (first.index, first.type, first.name, first.arguments) == (0, "function", "get_weather", "")
    assert first.id.startswith("call_")
    assert len(rest) >= 2 and all(p.id is None and p.name is None and p.index == 0 for p in rest)
    assert json.loads("".join(p.arguments for p in rest)) == {"city": "Paris", "unit": "celsius"}
    assert end.finish_reason == "tool_calls"
    assert [(c.id, c.name, json.loads(c.arguments)) for c in end.tool_calls] == [
        (first.id, "get_weather", {"city": "Paris", "unit": "celsius"})
    ]


@pytest.mark.parametrize("kind", ["openai", "openrouter"])
async def test_parallel_tool_calls_keep_their_own_index(config_for, kind):
    request = ask(f"m-{kind}@parallel", "Paris weather and time", tools=[WEATHER_TOOL, TIME_TOOL])

    _, end = await collect_items(get_adapter(config_for(kind)).stream_chat(request))

    assert [c.name for c in end.tool_calls] == ["get_weather", "get_time"]
    assert all(json.loads(c.arguments) for c in end.tool_calls)
    assert len({c.id for c in end.tool_calls}) == 2


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stream", [False, True])
async def test_a_tool_result_goes_back_exactly_and_the_answer_uses_it(config_for, fake_upstream, kind, stream):
    model = f"m-{kind}@tool-result-{int(stream)}"
    messages = tool_round_trip("call_1", "get_weather", '{"city":"Paris"}', "sunny and 21 C")
    request = ask(model, tools=[WEATHER_TOOL])
    request.messages = messages
    adapter = get_adapter(config_for(kind))

    text = (await collect(adapter.stream_chat(request)))[0] if stream else (await adapter.chat(request)).content

    assert text == f"Echo from m-{kind}: sunny and 21 C"
    assert sent(fake_upstream, kind, model)["messages"] == messages


@pytest.mark.parametrize("kind", KINDS)
async def test_image_parts_by_url_and_data_uri_go_up_untouched(config_for, fake_upstream, kind):
    model = f"m-{kind}@images"
    content = [
        {"type": "text", "text": "Compare these"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
        {"type": "image_url", "image_url": {"url": RED_PNG}},
    ]
    request = ask(model)
    request.messages = [{"role": "user", "content": content}]

    result = await get_adapter(config_for(kind)).chat(request)

    assert result.content == f"Echo from m-{kind}: Compare these [2 images]"
    assert sent(fake_upstream, kind, model)["messages"] == [{"role": "user", "content": content}]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("stream", [False, True])
async def test_json_schema_output_satisfies_the_schema(config_for, fake_upstream, kind, stream):
    model = f"m-{kind}@schema-{int(stream)}"
    request = ask(model, "Describe Ada, aged 36", response_format=PERSON_FORMAT)
    adapter = get_adapter(config_for(kind))

    text = (await collect(adapter.stream_chat(request)))[0] if stream else (await adapter.chat(request)).content

    jsonschema.validate(json.loads(text), PERSON_SCHEMA)
    assert sent(fake_upstream, kind, model)["response_format"] == PERSON_FORMAT


@pytest.mark.parametrize("kind", ["openai", "openrouter", "huggingface"])
async def test_logprobs_come_back_whole_and_streamed(config_for, fake_upstream, kind):
    adapter = get_adapter(config_for(kind))
    request = ask(f"m-{kind}@logprobs", "one two", logprobs=True, top_logprobs=2)

    result = await adapter.chat(request)
    deltas, _ = await collect_items(adapter.stream_chat(request))

    assert "".join(e.token for e in result.logprobs) == result.content
    assert all(len(e.top_logprobs) == 2 and e.top_logprobs[0].token == e.token for e in result.logprobs)
    assert all(e.logprob < 0 and e.bytes == list(e.token.encode()) for e in result.logprobs)
    streamed = [e for d in deltas for e in d.logprobs or []]
    assert [(e.token, e.logprob) for e in streamed] == [(e.token, e.logprob) for e in result.logprobs]
    body = sent(fake_upstream, kind, f"m-{kind}@logprobs")
    assert (body["logprobs"], body["top_logprobs"]) == (True, 2)


async def test_openai_answers_n_choices_whole_and_streamed(config_for):
    adapter = get_adapter(config_for("openai"))
    request = ask("gpt-4o-mini@n", "hello there", n=2)

    result = await adapter.chat(request)
    deltas, end = await collect_items(adapter.stream_chat(request))

    contents = [c.content for c in result.all_choices()]
    assert contents == ["Echo from gpt-4o-mini: hello there", "Echo from gpt-4o-mini: hello there (2)"]
    assert result.content == contents[0]
    assert {d.index for d in deltas} == {0, 1}
    assert ["".join(d.content for d in deltas if d.index == i) for i in (0, 1)] == contents
    assert [c.content for c in end.choices] == contents
    assert result.usage.completion_tokens == 5 + 6


@pytest.mark.parametrize("kind", ["openrouter", "huggingface"])
async def test_n_is_refused_by_name_where_the_provider_has_no_n(config_for, fake_upstream, kind):
    with pytest.raises(ProviderError) as caught:
        await get_adapter(config_for(kind)).chat(ask(f"m-{kind}@no-n", n=3))

    assert (caught.value.kind, caught.value.code) == ("bad_request", "unsupported_field")
    assert "n" in caught.value.message
    assert fake_upstream.requests(FAKE_NAME[kind], f"m-{kind}@no-n") == 0


@pytest.mark.parametrize("kind", ["openrouter", "huggingface", "openai_compatible"])
@pytest.mark.parametrize("stream", [False, True])
async def test_seed_and_stop_reach_the_upstream(config_for, fake_upstream, kind, stream):
    model = f"m-{kind}@seed-stop-{int(stream)}"
    request = ask(model, "alpha beta gamma delta", seed=42, stop=[" gamma"])
    adapter = get_adapter(config_for(kind))

    text = (await collect(adapter.stream_chat(request)))[0] if stream else (await adapter.chat(request)).content

    body = sent(fake_upstream, kind, model)
    assert (body["seed"], body["stop"]) == (42, [" gamma"])
    assert text == f"Echo from m-{kind}: alpha beta"


async def test_every_stream_asks_for_usage_and_reads_the_detailed_token_counts(config_for, fake_upstream):
    _, end = await collect(get_adapter(config_for("huggingface")).stream_chat(ask("hf-m@cached=2@reasoning=4")))

    assert fake_upstream.last_body("hf", "hf-m@cached=2@reasoning=4")["stream_options"] == {"include_usage": True}
    assert (end.usage.cached_tokens, end.usage.reasoning_tokens, end.usage.estimated) == (2, 4, False)
