"""The offline demo provider answers tools, JSON formats, images, logprobs and n deterministically,
whole and streamed, so the playground and the tests work with no keys."""

import base64
import io
import json

import jsonschema
import pytest
from PIL import Image

from providers.base import ProviderConfig, ProviderError
from providers.registry import get_adapter, unsupported_fields
from tests.providers.helpers import (
    PERSON_FORMAT,
    PERSON_SCHEMA,
    TIME_TOOL,
    WEATHER_TOOL,
    ask,
    collect,
    collect_items,
    tool_round_trip,
)


def demo():
    return get_adapter(ProviderConfig(kind="demo", base_url="", options={"pace": 0}))


def png(width: int, height: int, colour: tuple[int, int, int]) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def with_image(url: str, text: str = "What is in this picture?") -> list[dict]:
    return [
        {"role": "user", "content": [{"type": "text", "text": text}, {"type": "image_url", "image_url": {"url": url}}]}
    ]


async def test_given_tools_it_calls_the_first_with_arguments_from_the_prompt_that_fit_the_schema():
    result = await demo().chat(ask("swift", "What is the weather in Lisbon?", tools=[WEATHER_TOOL, TIME_TOOL]))

    [call] = result.tool_calls
    arguments = json.loads(call.arguments)
    jsonschema.validate(arguments, WEATHER_TOOL["function"]["parameters"])
    assert (call.name, arguments["city"]) == ("get_weather", "Lisbon")
    assert (result.content, result.finish_reason) == ("", "tool_calls")


async def test_a_named_tool_choice_is_the_tool_it_calls_and_none_means_text():
    named = {"type": "function", "function": {"name": "get_time"}}
    called = await demo().chat(ask("swift", "Time in Tokyo", tools=[WEATHER_TOOL, TIME_TOOL], tool_choice=named))
    declined = await demo().chat(ask("swift", "Time in Tokyo", tools=[WEATHER_TOOL], tool_choice="none"))

    assert [c.name for c in called.tool_calls] == ["get_time"]
    assert json.loads(called.tool_calls[0].arguments) == {"zone": "Tokyo"}
    assert not declined.tool_calls and "tokyo" in declined.content.lower()


async def test_a_streamed_tool_call_has_openais_delta_shape_and_matches_the_whole_one():
    request = ask("swift", "What is the weather in Lisbon?", tools=[WEATHER_TOOL])

    whole = await demo().chat(request)
    deltas, end = await collect_items(demo().stream_chat(request))

    pieces = [p for d in deltas for p in d.tool_calls or []]
    assert (pieces[0].id, pieces[0].type, pieces[0].name, pieces[0].arguments) == (
        whole.tool_calls[0].id,
        "function",
        "get_weather",
        "",
    )
    assert len(pieces) > 2 and all(p.id is None and p.name is None for p in pieces[1:])
    assert "".join(p.arguments for p in pieces) == whole.tool_calls[0].arguments
    assert end.tool_calls == whole.tool_calls and end.finish_reason == "tool_calls"


@pytest.mark.parametrize("stream", [False, True])
async def test_after_a_tool_result_it_answers_in_text_using_it(stream):
    request = ask("swift", tools=[WEATHER_TOOL])
    request.messages = tool_round_trip("call_7", "get_weather", '{"city": "Paris"}', "sunny, 21 C")

    text = (await collect(demo().stream_chat(request)))[0] if stream else (await demo().chat(request)).content

    assert text == "Here is what I found. get_weather returned: sunny, 21 C"


@pytest.mark.parametrize("stream", [False, True])
async def test_json_schema_mode_returns_an_object_that_satisfies_the_schema(stream):
    request = ask("deliberate", "Tell me about Ada, aged 36", response_format=PERSON_FORMAT)

    text = (await collect(demo().stream_chat(request)))[0] if stream else (await demo().chat(request)).content

    value = json.loads(text)
    jsonschema.validate(value, PERSON_SCHEMA)
    assert (value["name"], value["age"]) == ("Ada", 36)


async def test_json_object_mode_returns_an_object():
    result = await demo().chat(ask("swift", "Tell me about rivers", response_format={"type": "json_object"}))

    assert isinstance(json.loads(result.content), dict)


@pytest.mark.parametrize(
    ("size", "colour", "name", "hex_code"),
    [((64, 32), (255, 0, 0), "red", "#ff0000"), ((10, 20), (20, 60, 230), "blue", "#143ce6")],
)
async def test_an_image_is_described_by_its_size_and_main_colour(size, colour, name, hex_code):
    request = ask("swift")
    request.messages = with_image(png(*size, colour))

    result = await demo().chat(request)

    assert f"Image 1 is {size[0]}×{size[1]} pixels, mostly {name} ({hex_code})." in result.content


async def test_a_remote_image_is_not_fetched_and_the_reply_says_so():
    request = ask("swift")
    request.messages = with_image("https://images.example.org/cat.jpg")

    result = await demo().chat(request)

    assert "I cannot see remote images (this one is at images.example.org)" in result.content


async def test_something_that_is_not_an_image_is_said_to_be_unreadable():
    request = ask("swift")
    request.messages = with_image("data:image/png;base64," + base64.b64encode(b"not a png").decode())

    assert "could not read it as an image" in (await demo().chat(request)).content


async def test_logprobs_are_deterministic_and_match_the_tokens():
    request = ask("swift", "Tell me about rivers", logprobs=True, top_logprobs=3)

    first, second = await demo().chat(request), await demo().chat(request)
    deltas, _ = await collect_items(demo().stream_chat(request))

    assert first.logprobs == second.logprobs
    assert "".join(e.token for e in first.logprobs) == first.content
    assert all(len(e.top_logprobs) == 3 and e.logprob < 0 for e in first.logprobs)
    assert [e for d in deltas for e in d.logprobs or []] == first.logprobs


async def test_n_gives_n_distinct_choices_whole_and_streamed():
    request = ask("swift", "Tell me about rivers", n=3)

    result = await demo().chat(request)
    deltas, end = await collect_items(demo().stream_chat(request))

    contents = [c.content for c in result.all_choices()]
    assert len(set(contents)) == 3 and result.content == contents[0]
    assert ["".join(d.content for d in deltas if d.index == i) for i in range(3)] == contents
    assert [c.content for c in end.choices] == contents
    assert result.usage.completion_tokens == sum(len(c.split()) for c in contents)


async def test_what_the_demo_cannot_honour_is_refused_by_name():
    request = ask("swift", logit_bias={"42": 5}, reasoning_effort="high", extra={"service_tier": "flex"})

    assert unsupported_fields("demo", request) == ["logit_bias", "reasoning_effort", "service_tier"]
    with pytest.raises(ProviderError) as caught:
        await demo().chat(request)
    assert caught.value.code == "unsupported_field"
